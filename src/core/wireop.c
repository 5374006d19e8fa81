#include "core/wireop.h"

bool wire_copy_text(char *dst, size_t dst_size, const uint8_t *src, size_t n)
{
	size_t i, keep = n < dst_size - 1 ? n : dst_size - 1;

	for (i = 0; i < keep; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f		      ? (char)src[i]
			 : src[i] == '\n' || src[i] == '\t' || src[i] == '\r' ? ' '
									      : '.';
	dst[i] = 0;
	return keep < n;
}
