/* main_repl.c: the glassvm REPL (as lua.c's doREPL), reading through libedit
 * on a terminal and with getline otherwise (main.h). */
#define _XOPEN_SOURCE 700 /* getline */
#include <errno.h>
#include <histedit.h>
#include <lauxlib.h>
#include <locale.h>
#include <lua.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gv_core.h"
#include "lgv.h"

#include "main.h"

/* ---------------------------------------------------------------------------
 * The REPL (as lua.c's doREPL), reading through libedit on a terminal and
 * with getline otherwise.
 * ------------------------------------------------------------------------- */

#define PROMPT1 "> "
#define PROMPT2 ">> "
#define EOFMARK "<eof>"
#define MARKLEN (sizeof(EOFMARK) - 1)

/* push_line results; negative so they never clash with load statuses */
enum { LINE_OK = -1, LINE_EOF = -2, LINE_INTR = -3 };

typedef struct repl {
    EditLine *el;   /* NULL when stdin is not a terminal */
    History *hist;
    HistEvent ev;
    char *histfile; /* NULL: no history file */
    char *buf;      /* getline buffer */
    size_t cap;
    int errors;     /* failed lines (exit status when not on a terminal) */
    int tty;        /* stdin is a terminal */
    long lines;     /* lines read so far */
    long first;     /* lines before the chunk being read (renumber) */
} repl;

static char prompt_text[256]; /* what the libedit prompt callback shows */

static char *prompt_fn(EditLine *el)
{
    (void)el;
    return prompt_text;
}

/* _PROMPT / _PROMPT2 may change the prompts, as in lua. */
static void set_prompt(lua_State *L, int firstline)
{
    const char *p = firstline ? PROMPT1 : PROMPT2;
    if (lua_getglobal(L, firstline ? "_PROMPT" : "_PROMPT2") != LUA_TNIL) {
        p = luaL_tolstring(L, -1, NULL);
        lua_remove(L, -2); /* keep only the string */
    }
    snprintf(prompt_text, sizeof prompt_text, "%s", p);
    lua_pop(L, 1);
}

/* Tab completion of globals and fields ("glass.da", "net:ev").  The lookup
 * is Lua (below), run protected; it reads tables and __index tables with
 * raw access only, so completing never runs a metamethod. */
static const char complete_src[] =
    "local next, type, rawget, getmt, sort = next, type, rawget, debug.getmetatable, table.sort\n"
    "local G = _G\n"
    "local function index(o)\n" /* the next table to look in: o's __index */
    "  local mt = getmt(o)\n"
    "  local i = mt and rawget(mt, '__index')\n"
    "  return type(i) == 'table' and i or nil\n"
    "end\n"
    "local function get(o, k)\n"
    "  for _ = 1, 8 do\n"
    "    if o == nil then return nil end\n"
    "    if type(o) == 'table' then local v = rawget(o, k); if v ~= nil then return v end end\n"
    "    o = index(o)\n"
    "  end\n"
    "end\n"
    "return function(word)\n"
    "  local prefix, part = word:match('^(.-)([%w_]*)$')\n"
    "  if prefix:gsub('[%a_][%w_]*[.:]', '') ~= '' then return end\n"
    "  local o = G\n"
    "  for name in prefix:gmatch('([%a_][%w_]*)[.:]') do o = get(o, name) end\n"
    "  local seen, list = {}, {}\n"
    "  for _ = 1, 8 do\n"
    "    if o == nil then break end\n"
    "    if type(o) == 'table' then\n"
    "      for k in next, o do\n"
    "        if type(k) == 'string' and not seen[k] and k:match('^[%a_][%w_]*$')\n"
    "           and k:sub(1, #part) == part then seen[k] = true; list[#list + 1] = k end\n"
    "      end\n"
    "    end\n"
    "    o = index(o)\n"
    "  end\n"
    "  sort(list)\n"
    "  return #part, list\n"
    "end\n";

static int complete_ref = LUA_NOREF; /* the completion function, in the registry */

static int is_word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == ':';
}

/* libedit command bound to Tab: insert the common part of the matches, or
 * list them when there is nothing more to insert. */
static unsigned char complete_fn(EditLine *el, int ch)
{
    (void)ch;
    lua_State *L = globalL;
    const LineInfo *li = el_line(el);
    const char *end = li->cursor, *start = end;
    while (start > li->buffer && is_word_char(start[-1])) start--;
    int top = lua_gettop(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, complete_ref);
    lua_pushlstring(L, start, (size_t)(end - start));
    if (lua_pcall(L, 1, 2, 0) != LUA_OK || !lua_istable(L, -1)) {
        lua_settop(L, top);
        return CC_REFRESH_BEEP;
    }
    size_t typed = (size_t)lua_tointeger(L, -2);
    lua_Integer n = luaL_len(L, -1);
    unsigned char ret = CC_REFRESH_BEEP;
    if (n > 0) {
        lua_rawgeti(L, -1, 1);
        const char *first = lua_tostring(L, -1);
        size_t common = strlen(first);
        for (lua_Integer i = 2; i <= n; i++) {
            lua_rawgeti(L, -2, i);
            const char *other = lua_tostring(L, -1);
            size_t k = 0;
            while (k < common && first[k] == other[k]) k++;
            common = k;
            lua_pop(L, 1);
        }
        if (common > typed) {
            lua_pushlstring(L, first + typed, common - typed);
            el_insertstr(el, lua_tostring(L, -1));
            ret = CC_REFRESH;
        } else if (n == 1)
            ret = CC_NORM;
        else { /* several matches: list them under the line */
            size_t col = 0;
            fputc('\n', stdout);
            for (lua_Integer i = 1; i <= n; i++) {
                lua_rawgeti(L, -2, i);
                size_t len = strlen(lua_tostring(L, -1));
                if (col > 0 && col + len + 2 > 78) {
                    fputc('\n', stdout);
                    col = 0;
                }
                col += (size_t)fprintf(stdout, "%s  ", lua_tostring(L, -1));
                lua_pop(L, 1);
            }
            fputc('\n', stdout);
            fflush(stdout);
            ret = CC_REDISPLAY;
        }
    }
    lua_settop(L, top);
    return ret;
}

static void repl_open(lua_State *L, repl *r)
{
    memset(r, 0, sizeof *r);
    r->tty = isatty(STDIN_FILENO);
    if (!r->tty) return;
    setlocale(LC_CTYPE, ""); /* libedit decodes multibyte input (UTF-8) with it */
    r->el = el_init(PROGNAME, stdin, stdout, stderr);
    r->hist = history_init();
    if (r->el == NULL || r->hist == NULL) { /* fall back to plain reading */
        if (r->el) el_end(r->el);
        if (r->hist) history_end(r->hist);
        r->el = NULL;
        r->hist = NULL;
        return;
    }
    history(r->hist, &r->ev, H_SETSIZE, HISTORY_SIZE);
    history(r->hist, &r->ev, H_SETUNIQUE, 1);
    el_set(r->el, EL_EDITOR, "emacs");
    el_set(r->el, EL_PROMPT, prompt_fn);
    el_set(r->el, EL_HIST, history, r->hist);
    el_set(r->el, EL_SIGNAL, 1); /* restore the terminal on Ctrl-Z and signals */
    globalL = L;
    if (luaL_loadbuffer(L, complete_src, sizeof complete_src - 1, "=completion") == LUA_OK &&
        lua_pcall(L, 0, 1, 0) == LUA_OK) {
        complete_ref = luaL_ref(L, LUA_REGISTRYINDEX);
        /* the wide form: the narrow one leaks its converted copies of the names */
        el_wset(r->el, EL_ADDFN, L"glassvm-complete", L"complete a global or a field", complete_fn);
        el_set(r->el, EL_BIND, "^I", "glassvm-complete", NULL);
    } else
        lua_pop(L, 1); /* no completion, nothing else lost */
    el_source(r->el, NULL);      /* ~/.editrc (may rebind keys) */
    const char *home = getenv("HOME");
    if (home && *home) {
        size_t len = strlen(home) + sizeof "/" HISTORY_NAME;
        r->histfile = malloc(len);
        if (r->histfile) {
            snprintf(r->histfile, len, "%s/%s", home, HISTORY_NAME);
            history(r->hist, &r->ev, H_LOAD, r->histfile); /* may not exist yet */
        }
    }
}

static void repl_close(repl *r)
{
    if (r->el) el_end(r->el);
    if (r->hist) history_end(r->hist);
    free(r->histfile);
    free(r->buf);
}

/* Add a chunk to the history and save it at once (so a crash or a forced
 * quit keeps it); failures to write are silent. */
static void save_line(repl *r, const char *line)
{
    if (r->hist == NULL || line[0] == '\0') return;
    history(r->hist, &r->ev, H_ENTER, line);
    if (r->histfile) history(r->hist, &r->ev, H_SAVE, r->histfile);
}

/* Read a line (prompting on a terminal) and push it without its newline. */
static int push_line(lua_State *L, repl *r, int firstline)
{
    const char *line;
    size_t len;
    prompt_signal = 0;
    if (r->el) {
        int count;
        set_prompt(L, firstline);
        line = el_gets(r->el, &count);
        if (line == NULL) return count < 0 && (errno == EINTR || prompt_signal) ? LINE_INTR : LINE_EOF;
        len = (size_t)count;
    } else {
        ssize_t n = getline(&r->buf, &r->cap, stdin);
        if (n < 0) {
            int intr = ferror(stdin) && errno == EINTR;
            clearerr(stdin);
            return intr ? LINE_INTR : LINE_EOF;
        }
        line = r->buf;
        len = (size_t)n;
    }
    r->lines++;
    if (len > 0 && line[len - 1] == '\n') len--;
    lua_pushlstring(L, line, len);
    if (firstline && line[0] == '=') { /* "=expr", as in Lua 5.2 */
        lua_pushfstring(L, "return %s", lua_tostring(L, -1) + 1);
        lua_remove(L, -2);
    }
    return LINE_OK;
}

/* A chunk numbered from where it starts in the input.  Lua counts a chunk's
 * lines from 1, and a piped session's "stdin:1:" for its 40th line says
 * nothing: so the chunk is read after as many newlines as lines came before
 * it (served from a static block: nothing to allocate).  On a terminal the
 * lines stay counted per chunk, as in lua: the line typed at the prompt is 1,
 * and a count since the session started would only puzzle. */
typedef struct chunk_reader {
    long newlines;     /* still to serve before the text */
    const char *text;  /* NULL once served */
    size_t len;
} chunk_reader;

static const char *read_chunk(lua_State *L, void *data, size_t *size)
{
    static char block[256];
    chunk_reader *cr = data;
    (void)L;
    if (cr->newlines > 0) {
        if (block[0] != '\n') memset(block, '\n', sizeof block);
        *size = cr->newlines < (long)sizeof block ? (size_t)cr->newlines : sizeof block;
        cr->newlines -= (long)*size;
        return block;
    }
    const char *text = cr->text;
    *size = cr->len;
    cr->text = NULL;
    return text;
}

/* The chunk or error on top, from the final plain load of text (it
 * compiled, or failed for good): replaced by the same load numbered from the
 * chunk's first line in the input, where that changes anything.  Only the
 * final load is numbered, since lexing the newlines costs as many steps as
 * lines came before: the tries that decide whether the line is an
 * expression or the statement goes on stay cheap. */
static int renumber(lua_State *L, const repl *r, const char *text, size_t len, int status)
{
    if (r->tty || r->first == 0) return status;
    lua_pop(L, 1);
    chunk_reader cr = {r->first, text, len};
    return lua_load(L, read_chunk, &cr, "=stdin", NULL);
}

/* Is the syntax error on top of the stack just an unfinished statement? */
static int incomplete(lua_State *L, int status)
{
    if (status == LUA_ERRSYNTAX) {
        size_t lmsg;
        const char *msg = lua_tolstring(L, -1, &lmsg);
        if (lmsg >= MARKLEN && strcmp(msg + lmsg - MARKLEN, EOFMARK) == 0) {
            lua_pop(L, 1);
            return 1;
        }
    }
    return 0;
}

/* Compile the line on top as "return <line>" (an expression to print).
 * On success the chunk replaces the line; otherwise the line stays. */
static int add_return(lua_State *L, repl *r)
{
    const char *line = lua_tostring(L, -1);
    /* The values pass through a function that returns its arguments, so that
     * a call on the line is not a tail call: its frame stays, and an error
     * raised for the caller (error(msg, 2) in a library function written in
     * Lua) names the line typed instead of the library's own lines.  The newline
     * ends a comment at the end of the line. */
    const char *retline =
        lua_pushfstring(L, "return (function(...) return ... end)(%s\n);", line);
    int status = luaL_loadbuffer(L, retline, strlen(retline), "=stdin");
    if (status == LUA_OK) status = renumber(L, r, retline, strlen(retline), status);
    if (status == LUA_OK) {
        lua_remove(L, -2); /* the "return" line */
        save_line(r, line);
        lua_remove(L, -2); /* the original line */
    } else
        lua_pop(L, 2);
    return status;
}

/* Add continuation lines until the chunk compiles or fails for another
 * reason.  Returns a load status, or LINE_INTR when Ctrl-C abandons it. */
static int multi_line(lua_State *L, repl *r)
{
    for (;;) {
        size_t len;
        const char *chunk = lua_tolstring(L, 1, &len);
        int status = luaL_loadbuffer(L, chunk, len, "=stdin");
        if (!incomplete(L, status)) {
            status = renumber(L, r, chunk, len, status);
            save_line(r, chunk);
            lua_remove(L, 1); /* the source; leaves the chunk or the error */
            return status;
        }
        int got = push_line(L, r, 0);
        if (got != LINE_OK) {
            if (got == LINE_INTR) return LINE_INTR;
            /* end of input inside a statement: report the syntax error */
            status = renumber(L, r, chunk, len, luaL_loadbuffer(L, chunk, len, "=stdin"));
            save_line(r, chunk);
            lua_remove(L, 1);
            return status;
        }
        lua_pushliteral(L, "\n");
        lua_insert(L, -2);
        lua_concat(L, 3);
    }
}

/* Read and compile one statement: a load status with the chunk (or error)
 * on the stack, LINE_EOF at end of input, LINE_INTR after Ctrl-C. */
static int load_line(lua_State *L, repl *r)
{
    lua_settop(L, 0);
    r->first = r->lines;
    int got = push_line(L, r, 1);
    if (got != LINE_OK) return got;
    int status = add_return(L, r);
    if (status != LUA_OK) status = multi_line(L, r);
    return status;
}

/* Print the values left by a command, with the global print (tostring, so
 * __tostring), as the Lua REPL does; plain tables (without a metatable)
 * through glass.show, which shows their contents. */
static void print_results(lua_State *L)
{
    int n = lua_gettop(L);
    if (n == 0) return;
    luaL_checkstack(L, LUA_MINSTACK, "too many results to print");
    for (int i = 1; i <= n; i++) {
        if (!lua_istable(L, i) || lua_getmetatable(L, i)) {
            if (lua_istable(L, i)) lua_pop(L, 1); /* the metatable */
            continue;
        }
        if (lua_getglobal(L, "glass") != LUA_TTABLE || lua_getfield(L, -1, "show") != LUA_TFUNCTION) {
            lua_pop(L, 2); /* no glass.show (glass replaced): print as Lua does */
            break;
        }
        lua_pushvalue(L, i);
        if (lua_pcall(L, 1, 1, 0) == LUA_OK && lua_type(L, -1) == LUA_TSTRING) lua_replace(L, i);
        else lua_pop(L, 1);
        lua_pop(L, 1); /* glass */
    }
    lua_getglobal(L, "print");
    lua_insert(L, 1);
    if (docall(L, n, 0) != LUA_OK)
        l_message(progname, lua_pushfstring(L, "error calling 'print' (%s)", lua_tostring(L, -1)));
}

/* The REPL's words: `help` (glass.help: typed alone it prints where to
 * start, help(x) what the docs say of x), `exit` and `quit` (exit() ends the
 * session as Ctrl-D does; typed alone, they say so).  Globals a script or
 * -e code already set are left alone. */
static int quit_asked;
static int l_quit(lua_State *L)
{
    (void)L;
    quit_asked = 1;
    return 0;
}
static const char repl_words_src[] =
    "local glass, quit = ...\n"
    "local function word(text, call)\n"
    "  return setmetatable({}, {__tostring = text, __call = function(_, ...) return call(...) end,\n"
    "                           __name = 'glassvm REPL word'})\n"
    "end\n"
    "if rawget(_G, 'help') == nil and type(glass) == 'table' and glass.help then\n"
    "  help = word(function() return glass.help() end, glass.help)\n"
    "end\n"
    "for _, w in ipairs{'exit', 'quit'} do\n"
    "  if rawget(_G, w) == nil then\n"
    "    _G[w] = word(function() return w .. '() or Ctrl-D quits (os.exit(n) ends with status n)' end, quit)\n"
    "  end\n"
    "end\n";

static void repl_words(lua_State *L)
{
    int top = lua_gettop(L);
    if (luaL_loadbuffer(L, repl_words_src, sizeof repl_words_src - 1, "=repl") == LUA_OK) {
        lua_getglobal(L, "glass");
        lua_pushcfunction(L, l_quit);
        lua_pcall(L, 2, 0, 0); /* a failure leaves the words out, nothing else */
    }
    lua_settop(L, top);
}

/* Returns 0 after a clean end of input, else an exit status. */
int do_repl(lua_State *L)
{
    repl r;
    repl_open(L, &r);
    repl_words(L);
    const char *saved_progname = progname;
    progname = NULL;
    if (r.el) {
        print_version();
        printf("the glass library is loaded as `glass` (print(glass) lists it; help() says "
               "where to start); Ctrl-C interrupts, Ctrl-D quits\n");
        fflush(stdout);
    }
    int status, exit_code = 0;
    while ((status = load_line(L, &r)) != LINE_EOF) {
        if (status == LINE_INTR) {
            if (prompt_signal == SIGTERM) {
                exit_code = 128 + SIGTERM;
                break;
            }
            if (r.el) fputc('\n', stdout); /* Ctrl-C at a prompt: a new prompt */
            continue;
        }
        if (status == LUA_OK) status = docall(L, 0, LUA_MULTRET);
        if (status == LUA_OK)
            print_results(L);
        else {
            report(L, status);
            r.errors++;
        }
        if (run_signal == SIGTERM) { /* a stop request, not just Ctrl-C */
            exit_code = 128 + SIGTERM;
            break;
        }
        run_signal = 0;
        if (quit_asked) break; /* exit(): as Ctrl-D */
    }
    lua_settop(L, 0);
    if (r.el && exit_code == 0) fputc('\n', stdout);
    fflush(stdout);
    repl_close(&r);
    progname = saved_progname;
    if (exit_code == 0 && !isatty(STDIN_FILENO) && r.errors > 0) exit_code = EXIT_FAILURE;
    return exit_code;
}
