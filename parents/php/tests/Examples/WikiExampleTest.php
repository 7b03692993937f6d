<?php

declare(strict_types=1);

namespace PythonSandbox\Tests\Examples;

use PHPUnit\Framework\TestCase;
use PythonSandbox\Filesystem\HostFsError;
use PythonSandbox\Tests\Fake;
use WikiExample\ModuleDirectory;
use WikiExample\PdoModuleStore;
use WikiExample\Wiki;

/**
 * The worked example of docs/php.md, over a real (in-memory SQLite)
 * database, with the fake child playing the sandbox's side.
 */
final class WikiExampleTest extends TestCase
{
    private PdoModuleStore $store;

    protected function setUp(): void
    {
        $db = new \PDO('sqlite::memory:');
        $db->exec('CREATE TABLE modules (name TEXT PRIMARY KEY, source TEXT)');
        $db->exec('CREATE TABLE pages (title TEXT PRIMARY KEY, body TEXT)');
        $db->exec("INSERT INTO modules VALUES ('Greeting', 'def hello(n): return n'), ('bad-name', 'x')");
        $db->exec("INSERT INTO pages VALUES ('Motto', 'Be <bold>')");
        $this->store = new PdoModuleStore($db);
    }

    public function testTheDirectoryServesModulesAsPyFiles(): void
    {
        $dir = new ModuleDirectory($this->store);

        self::assertSame('dir', $dir->stat('')->type);
        self::assertSame(22, $dir->stat('Greeting.py')->size);
        self::assertSame('def hello(n): return n', $dir->read('Greeting.py'));
        self::assertSame(['Greeting.py' => 'file'], $dir->list(''));
    }

    /** @return array<string, array{string, string, string}> */
    public static function refusals(): array
    {
        return [
            'missing module' => ['read', 'Missing.py', 'ENOENT'],
            'no .py' => ['stat', 'Greeting', 'ENOENT'],
            'not an identifier' => ['read', 'bad-name.py', 'ENOENT'],
            'subdirectory' => ['stat', 'a/Greeting.py', 'ENOENT'],
            'read the root' => ['read', '', 'EISDIR'],
            'list a module' => ['list', 'Greeting.py', 'ENOTDIR'],
            'list missing' => ['list', 'Missing.py', 'ENOENT'],
        ];
    }

    /** @dataProvider refusals */
    public function testTheDirectoryRefusesEverythingElse(string $method, string $path, string $errno): void
    {
        try {
            (new ModuleDirectory($this->store))->$method($path);
            self::fail('no refusal');
        } catch (HostFsError $e) {
            self::assertSame($errno, $e->errno);
        }
    }

    public function testInvokeServesModulesAndPagesAndEscapesTheResult(): void
    {
        $wiki = new Wiki($this->store, Fake::options('lenient'));
        $actions = json_encode([
            ['op' => 'hostfs', 'method' => 'list', 'target' => '/wiki/modules', 'path' => ''],
            ['op' => 'hostfs', 'method' => 'read', 'target' => '/wiki/modules', 'path' => 'Greeting.py'],
            ['op' => 'call', 'function' => 'page', 'args' => ['Motto']],
            ['op' => 'call', 'function' => 'page', 'args' => ['Nope']],
        ]);

        $html = $wiki->invoke('fake', 'script', [$actions]);
        $wiki->close();
        $replies = json_decode(htmlspecialchars_decode($html), true);

        self::assertStringNotContainsString('<bold>', $html);
        self::assertSame([['name' => 'Greeting.py', 'type' => 'file']], $replies[0]['result']['entries']);
        self::assertSame(base64_encode('def hello(n): return n'), $replies[1]['result']['data']);
        self::assertSame(['value' => 'Be <bold>'], $replies[2]['result']);
        self::assertSame(['type' => 'KeyError'], $replies[3]['error']['data']);
    }

    public function testFailuresBecomeAnEscapedErrorForTheReader(): void
    {
        $wiki = new Wiki($this->store, Fake::options('lenient'));

        $failed = $wiki->invoke('Missing', 'f', []);
        $broken = (new Wiki($this->store, Fake::options('die-init')))->invoke('Greeting', 'hello', ['<x>']);

        self::assertSame('<strong class="error">script error: ModuleNotFoundError</strong>', $failed);
        self::assertStringStartsWith('<strong class="error">script error: child closed the protocol', $broken);
        $wiki->close();
    }
}
