/* SQL text without its literals, for --redact and for grouping statements:
 * string literals ('..', "..", with backslash and doubled-quote escapes),
 * numbers (integers, decimals, exponents, 0x.. hex, x'..' / b'..' strings)
 * become '?'. Identifiers (also `quoted`, and digits inside names such as
 * t1) and comments stay. A scanner, not a parser: it never fails, and an
 * unterminated string is replaced to the end. Normalizing also collapses
 * runs of white space, drops a trailing ';' and folds a list of
 * placeholders "(?, ?, ?)", and "IN (?)", into "(?, ...)", so statements
 * that differ only in their values or list lengths share one group. */
#ifndef BPFSCOPE_SQLNORM_H
#define BPFSCOPE_SQLNORM_H

#include <stddef.h>

/* Both write a NUL-terminated result of at most out_size - 1 bytes. */
void sql_redact(const char *sql, char *out, size_t out_size);
void sql_normalize(const char *sql, char *out, size_t out_size);

#endif
