/* Literal scanner for SQL text: see sqlnorm.h. */
#include "core/sqlnorm.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

struct sink {
	char *out;
	size_t size, used;
};

static void put(struct sink *s, char ch)
{
	if (s->used + 1 < s->size)
		s->out[s->used++] = ch;
}

static bool ident_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == '_' || ch == '$' || (unsigned char)ch >= 0x80;
}

/* End of the quoted literal starting at sql[i] (its quote character). */
static size_t skip_quoted(const char *sql, size_t i)
{
	char q = sql[i++];

	while (sql[i]) {
		if (sql[i] == '\\' && sql[i + 1]) {
			i += 2;
		} else if (sql[i] == q && sql[i + 1] == q) {
			i += 2;
		} else if (sql[i] == q) {
			return i + 1;
		} else {
			i++;
		}
	}
	return i;
}

/* End of the number starting at sql[i]. */
static size_t skip_number(const char *sql, size_t i)
{
	if (sql[i] == '0' && (sql[i + 1] == 'x' || sql[i + 1] == 'X' || sql[i + 1] == 'b')) {
		i += 2;
		while (isxdigit((unsigned char)sql[i]))
			i++;
		return i;
	}
	while (isdigit((unsigned char)sql[i]) || sql[i] == '.')
		i++;
	if ((sql[i] == 'e' || sql[i] == 'E') &&
	    (isdigit((unsigned char)sql[i + 1]) ||
	     ((sql[i + 1] == '-' || sql[i + 1] == '+') && isdigit((unsigned char)sql[i + 2])))) {
		i += 2;
		while (isdigit((unsigned char)sql[i]))
			i++;
	}
	return i;
}

/* Copies a comment or a `quoted identifier` unchanged; returns its end. */
static size_t copy_until(struct sink *s, const char *sql, size_t i, size_t opener, const char *end)
{
	const char *stop = strstr(sql + i + opener, end);
	size_t last = stop ? (size_t)(stop - sql) + strlen(end) : strlen(sql);

	for (; i < last; i++)
		put(s, sql[i]);
	return last;
}

void sql_redact(const char *sql, char *out, size_t out_size)
{
	struct sink s = {out, out_size, 0};
	size_t i = 0;

	if (!out_size)
		return;
	while (sql[i]) {
		char ch = sql[i];
		bool after_ident = i > 0 && ident_char(sql[i - 1]);

		if (ch == '\'' || ch == '"') {
			i = skip_quoted(sql, i);
			put(&s, '?');
		} else if ((ch == 'x' || ch == 'X' || ch == 'b' || ch == 'B') &&
			   sql[i + 1] == '\'' && !after_ident) {
			i = skip_quoted(sql, i + 1);
			put(&s, '?');
		} else if (isdigit((unsigned char)ch) && !after_ident) {
			i = skip_number(sql, i);
			put(&s, '?');
		} else if (ch == '`') {
			i = copy_until(&s, sql, i, 1, "`");
		} else if (ch == '/' && sql[i + 1] == '*') {
			i = copy_until(&s, sql, i, 2, "*/");
		} else if ((ch == '-' && sql[i + 1] == '-') || ch == '#') {
			i = copy_until(&s, sql, i, 1, "\n");
		} else {
			put(&s, ch);
			i++;
		}
	}
	out[s.used] = 0;
}

/* End of a list "?, ?, ?" starting at the '?' at text[i], 0 when not a list. */
static size_t placeholder_list_end(const char *text, size_t i)
{
	size_t end = 0, j = i + 1;

	for (;;) {
		while (isspace((unsigned char)text[j]))
			j++;
		if (text[j] != ',')
			return end;
		j++;
		while (isspace((unsigned char)text[j]))
			j++;
		if (text[j] != '?')
			return end;
		end = ++j;
	}
}

/* Just wrote "IN (": a one-element list groups with longer ones. */
static bool in_list(const struct sink *s)
{
	return s->used >= 4 && !strncasecmp(s->out + s->used - 4, "IN (", 4) &&
	       (s->used == 4 || !ident_char(s->out[s->used - 5]));
}

void sql_normalize(const char *sql, char *out, size_t out_size)
{
	char redacted[4096];
	struct sink s = {out, out_size, 0};

	if (!out_size)
		return;
	sql_redact(sql, redacted, sizeof(redacted));
	for (size_t i = 0; redacted[i]; i++) {
		char ch = redacted[i];
		size_t list_end;

		if (isspace((unsigned char)ch)) {
			if (s.used && s.out[s.used - 1] != ' ' && s.out[s.used - 1] != '(')
				put(&s, ' ');
			continue;
		}
		if (ch == ')' && s.used && s.out[s.used - 1] == ' ')
			s.used--;
		if (ch == '?' && ((list_end = placeholder_list_end(redacted, i)) ||
				  (in_list(&s) && (list_end = i + 1)))) {
			for (const char *d = "?, ..."; *d; d++)
				put(&s, *d);
			i = list_end - 1;
			continue;
		}
		put(&s, ch);
	}
	while (s.used && (s.out[s.used - 1] == ' ' || s.out[s.used - 1] == ';'))
		s.used--;
	out[s.used] = 0;
}
