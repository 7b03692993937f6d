<?php

declare(strict_types=1);

/*
 * Test bootstrap: Packagist is out of reach, so instead of Composer's
 * generated autoloader this maps the two PSR-4 prefixes of composer.json by
 * hand. Keep it in step with the "autoload" and "autoload-dev" sections
 * (WikiExample\ is the worked example of docs/php.md, tested too).
 */

spl_autoload_register(static function (string $class): void {
    $prefixes = [
        'PythonSandbox\\Tests\\' => __DIR__ . '/',
        'PythonSandbox\\' => dirname(__DIR__) . '/src/',
        'WikiExample\\' => dirname(__DIR__) . '/examples/WikiExample/',
    ];
    foreach ($prefixes as $prefix => $dir) {
        if (str_starts_with($class, $prefix)) {
            $file = $dir . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
            if (is_file($file)) {
                require $file;
            }
            return;
        }
    }
});
