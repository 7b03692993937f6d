"""Import-heavy start: the modules issue 9 names, nothing else."""
import collections
import datetime
import decimal
import email
import json
import re

print(len((collections, datetime, decimal, email, json, re)))
