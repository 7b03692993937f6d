<?php

/*
 * Runs the wiki example against the real child:
 *   PYSANDBOX_CHILD=build/sandbox php parents/php/examples/wiki-demo.php
 */

declare(strict_types=1);

spl_autoload_register(static function (string $class): void {
    $roots = ['PythonSandbox\\' => dirname(__DIR__) . '/src/', 'WikiExample\\' => __DIR__ . '/WikiExample/'];
    foreach ($roots as $prefix => $dir) {
        if (str_starts_with($class, $prefix)) {
            require $dir . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
        }
    }
});

$store = new WikiExample\ArrayModuleStore([
    'Greeting' => "import sandbox\n\ndef hello(name):\n    return sandbox.page('Motto') + ', ' + name + '!'\n",
], ['Motto' => 'Be bold']);
$wiki = new WikiExample\Wiki($store);
echo $wiki->invoke('Greeting', 'hello', ['Ada']), "\n";
echo $wiki->invoke('Missing', 'f', []), "\n";
$wiki->close();
