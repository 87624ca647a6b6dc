#ifndef WV_CORE_TERMINAL_TEXT_H_
#define WV_CORE_TERMINAL_TEXT_H_

#include <string>
#include <string_view>

// Text from data and files made safe to show on a terminal. A file name, a
// CSV header or a user id may hold bytes that a terminal acts on (ESC starts
// a control sequence that can recolour, move the cursor, retitle the window
// or hide what follows; CR overwrites the line) or that it cannot show
// (invalid UTF-8). Every such byte is written as `\xNN` (lower-case hex);
// valid printable UTF-8, accents and all, stays as it is. For people only:
// machine formats (CSV, JSON) keep their exact text. Pure; thread-safe.
namespace wv {

// What is escaped: C0 controls (U+0000..U+001F, tab and newline included
// unless allowed below), DEL (U+007F), C1 controls (U+0080..U+009F, each byte
// of their UTF-8 form), the Unicode line and paragraph separators and the
// bidirectional overrides and isolates (U+2028, U+2029, U+202A..U+202E,
// U+2066..U+2069, which reorder what a person sees), and every byte that is
// not part of a valid UTF-8 sequence. A backslash is not escaped: the result
// is for reading, not for parsing back.
std::string EscapeForTerminal(std::string_view text);

// The same, but newlines are kept: for messages that are several lines by
// design (the error printer; the lines' own text is still escaped).
std::string EscapeForTerminalKeepNewlines(std::string_view text);

}  // namespace wv

#endif  // WV_CORE_TERMINAL_TEXT_H_
