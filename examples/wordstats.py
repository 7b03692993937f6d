"""A stdlib-heavy data-processing job: parse CSV, aggregate, report JSON.

Runs unchanged under bare CPython and inside the sandbox.
"""

import collections
import csv
import datetime
import io
import json
import re
import statistics

ORDERS = """date,customer,item,quantity,price
2026-11-02,acme,widget,4,2.50
2026-11-02,globex,gadget,1,19.99
2026-11-03,acme,gadget,2,19.99
2026-11-05,initech,widget,10,2.25
2026-11-05,globex,widget,3,2.50
2026-11-09,acme,sprocket,7,0.99
"""


def main() -> None:
    rows = list(csv.DictReader(io.StringIO(ORDERS)))
    totals: collections.Counter[str] = collections.Counter()
    for row in rows:
        totals[row["customer"]] += int(row["quantity"]) * float(row["price"])

    days = sorted({datetime.date.fromisoformat(r["date"]) for r in rows})
    words = re.findall(r"[a-z]+", ORDERS.split("\n", 1)[1])
    report = {
        "orders": len(rows),
        "revenue": round(sum(totals.values()), 2),
        "best_customer": totals.most_common(1)[0][0],
        "median_quantity": statistics.median(int(r["quantity"]) for r in rows),
        "span_days": (days[-1] - days[0]).days,
        "top_words": collections.Counter(words).most_common(2),
    }
    print(json.dumps(report, indent=2, sort_keys=True))


main()
