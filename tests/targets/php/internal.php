<?php
// Known internal-function calls for tests/integ/php_internal.sh: DO_ICALL
// (global functions known when compiling), DO_FCALL_BY_NAME (unqualified
// calls inside a namespace), DO_FCALL (methods of an internal class), and a
// user callback called back from an internal function.
namespace App {
    function twice($x)
    {
        return 2 * $x;
    }

    function work()
    {
        $s = str_repeat("ab", 3);
        $m = array_map('App\twice', [1, 2]);
        $d = new \DateTime("2020-01-02");
        return $d->format("Y") . $s . $m[1];
    }
}

namespace {
    function nap()
    {
        usleep(100000);
        return strtoupper("abc");
    }

    nap();
    echo App\work(), "\n";
}
