// ncursesw for Swift (see /work/shared/TUI.md): the wide-character API needs these two defines
// before <ncurses.h> ("unknown type name 'cchar_t'" otherwise), and the C globals and macros
// Swift cannot import are wrapped in static inline accessors. Not pkgConfig: SwiftPM drops -D.
#ifndef KEYWARD_CNCURSESW_SHIM_H
#define KEYWARD_CNCURSESW_SHIM_H
#define NCURSES_WIDECHAR 1
#define _XOPEN_SOURCE_EXTENDED 1
#include <locale.h>
#include <langinfo.h>
#include <wchar.h>
#include <ncursesw/ncurses.h>

static inline WINDOW *kw_stdscr(void) { return stdscr; }
static inline int kw_colors(void) { return COLORS; }
static inline int kw_lines(void) { return LINES; }
static inline int kw_cols(void) { return COLS; }
static inline int kw_maxy(WINDOW *w) { int y, x; getmaxyx(w, y, x); (void)x; return y; }
static inline int kw_maxx(WINDOW *w) { int y, x; getmaxyx(w, y, x); (void)y; return x; }
static inline attr_t kw_a_normal(void) { return A_NORMAL; }
static inline attr_t kw_a_bold(void) { return A_BOLD; }
static inline attr_t kw_a_underline(void) { return A_UNDERLINE; }
static inline attr_t kw_a_reverse(void) { return A_REVERSE; }
static inline attr_t kw_a_dim(void) { return A_DIM; }
static inline const char *kw_codeset(void) { return nl_langinfo(CODESET); }
#endif
