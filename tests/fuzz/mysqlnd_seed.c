/* The seed of tests/fuzz/fuzz_mysqlnd_layout.c (seeds/fuzz_mysqlnd_layout/mini.so):
 * a stand-in for mysqlnd.so with just what bpfscope mysqlnd reads (version
 * strings, the exported conn_data and xetters tables, the statement setter
 * call). Built with: cc -shared -fPIC -O1 -s -o mini.so mysqlnd_seed.c */
const char version[] = "mysqlnd 8.2.36";
const char api[] = "API20220829,NTS";
static int m_query(void) { return 1; }
static int m_prepare(void) { return 2; }
static int m_execute(void) { return 3; }
static int m_send_query(void) { return 4; }
static int m_reap_query(void) { return 5; }
void *mysqlnd_mysqlnd_conn_data_methods[65] = {0, 0, 0, (void *)m_query, (void *)m_send_query,
					       (void *)m_reap_query};
__attribute__((used)) static void *stmt_methods[42] = {(void *)m_prepare, 0, (void *)m_execute};
static void *got_stmt;
static void set_stmt(void *m) { got_stmt = m; }
void *mysqlnd_plugin_methods_xetters[24] = {[13] = (void *)set_stmt};
void init(void)
{
	__asm__ volatile("mov mysqlnd_plugin_methods_xetters@GOTPCREL(%%rip),%%rax\n"
			 "lea stmt_methods(%%rip),%%rdi\n"
			 "call *0x68(%%rax)\n" :: : "rax", "rdi", "memory");
}
