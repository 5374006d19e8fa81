<?php
// Known calls for tests/integ/php.sh: recursion, typed method arguments, a
// static method, a callback from array_map, an exception unwinding a frame,
// by-reference/object/long-string arguments. Waits for $argv[1] to exist (if
// given) so a tracer can attach to the running process first.
function fib($n)
{
    return $n < 2 ? $n : fib($n - 1) + fib($n - 2);
}

class Shop
{
    public function price(string $sku, int $qty, float $rate, bool $vip, array $tags, $note)
    {
        return $qty * $rate;
    }

    public static function tax($amount)
    {
        return $amount / 10;
    }
}

function twice($x)
{
    return 2 * $x;
}

function fail($why)
{
    throw new RuntimeException($why);
}

function guarded()
{
    try {
        fail("boom");
    } catch (RuntimeException $e) {
        return 1;
    }
}

function refs(&$counter, Shop $shop, string $long)
{
    $counter++;
    return strlen($long);
}

if (isset($argv[1])) {
    for ($i = 0; $i < 3000 && !file_exists($argv[1]); $i++)
        usleep(10000);
}
fib(10);
$shop = new Shop();
$shop->price("sku-\"42\"", 3, 2.25, true, [1, 2, 3], null);
Shop::tax(7.5);
array_map('twice', [1, 2]);
guarded();
$n = 41;
refs($n, $shop, str_repeat("x", 100));
