<?php

declare(strict_types=1);

namespace WikiExample;

/**
 * The store over the wiki's own database: tables
 * `modules(name TEXT PRIMARY KEY, source TEXT)` and
 * `pages(title TEXT PRIMARY KEY, body TEXT)`.
 */
final class PdoModuleStore implements ModuleStore
{
    public function __construct(private readonly \PDO $db)
    {
        $this->db->setAttribute(\PDO::ATTR_ERRMODE, \PDO::ERRMODE_EXCEPTION);
    }

    public function source(string $name): ?string
    {
        return $this->one('SELECT source FROM modules WHERE name = ?', $name);
    }

    public function names(): array
    {
        $names = $this->db->query('SELECT name FROM modules ORDER BY name LIMIT 10000')->fetchAll(\PDO::FETCH_COLUMN);

        return array_values(array_map('strval', $names));
    }

    public function page(string $title): ?string
    {
        return $this->one('SELECT body FROM pages WHERE title = ?', $title);
    }

    private function one(string $sql, string $key): ?string
    {
        $statement = $this->db->prepare($sql);
        $statement->execute([$key]);
        $value = $statement->fetchColumn();

        return $value === false ? null : (string) $value;
    }
}
