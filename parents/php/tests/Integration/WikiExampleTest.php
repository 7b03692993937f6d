<?php

declare(strict_types=1);

namespace PythonSandbox\Tests\Integration;

use PHPUnit\Framework\TestCase;
use PythonSandbox\Options;
use WikiExample\PdoModuleStore;
use WikiExample\Wiki;

/**
 * The worked example of docs/php.md end to end: modules and pages in an
 * SQLite database, run by the real child.
 *
 * @group integration
 */
final class WikiExampleTest extends TestCase
{
    private Wiki $wiki;

    protected function setUp(): void
    {
        $fromEnv = getenv('PYSANDBOX_CHILD');
        $child = is_string($fromEnv) && $fromEnv !== '' ? $fromEnv : dirname(__DIR__, 4) . '/build/sandbox';
        self::assertFileIsReadable($child, 'the real child is not built; run make first or set PYSANDBOX_CHILD');

        $db = new \PDO('sqlite::memory:');
        $db->exec('CREATE TABLE modules (name TEXT PRIMARY KEY, source TEXT)');
        $db->exec('CREATE TABLE pages (title TEXT PRIMARY KEY, body TEXT)');
        $insert = $db->prepare('INSERT INTO modules VALUES (?, ?)');
        $insert->execute(['Greeting', <<<'PY'
            import sandbox, Util

            def hello(name):
                return Util.shout(sandbox.page('Motto')) + ', ' + name
            PY]);
        $insert->execute(['Util', "def shout(s):\n    return s.upper() + '!'\n"]);
        $insert->execute(['Pages', <<<'PY'
            import sandbox

            def missing():
                try:
                    sandbox.page('Nope')
                except KeyError as e:
                    return 'KeyError ' + str(e)
            PY]);
        $db->exec("INSERT INTO pages VALUES ('Motto', 'be <bold>')");

        $this->wiki = new Wiki(new PdoModuleStore($db), (new Options())->withChildPath($child));
    }

    protected function tearDown(): void
    {
        $this->wiki->close();
    }

    public function testModulesImportEachOtherAndReadPages(): void
    {
        self::assertSame('BE &lt;BOLD&gt;!, Ada', $this->wiki->invoke('Greeting', 'hello', ['Ada']));
        self::assertSame('KeyError &quot;no page &#039;Nope&#039;&quot;', $this->wiki->invoke('Pages', 'missing', []));
    }

    public function testFailuresAreShownAndTheNextInvokeStartsAfresh(): void
    {
        self::assertSame(
            '<strong class="error">script error: ModuleNotFoundError</strong>',
            $this->wiki->invoke('Missing', 'f', []),
        );
        self::assertSame(
            '<strong class="error">script error: AttributeError</strong>',
            $this->wiki->invoke('Util', 'nope', []),
        );
        self::assertSame('BE &lt;BOLD&gt;!, Bo', $this->wiki->invoke('Greeting', 'hello', ['Bo']));
    }
}
