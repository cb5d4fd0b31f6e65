#include "cli/policy_fmt.h"

#include <cctype>
#include <vector>

namespace coffer::cli {
namespace {

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

// Scans one line, updating the state that spans lines (block comment, heredoc), and
// returns the net depth change. *leading_closers counts closers before any other token.
struct ScanState {
  bool in_block_comment = false;
  std::string heredoc_end;  // non-empty while inside a heredoc
};

int Scan(const std::string& line, ScanState* st, int* leading_closers) {
  int delta = 0;
  bool leading = true;
  *leading_closers = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    char ch = line[i];
    if (st->in_block_comment) {
      if (ch == '*' && i + 1 < line.size() && line[i + 1] == '/') {
        st->in_block_comment = false;
        ++i;
      }
      continue;
    }
    if (ch == '#' || (ch == '/' && i + 1 < line.size() && line[i + 1] == '/')) break;
    if (ch == '/' && i + 1 < line.size() && line[i + 1] == '*') {
      st->in_block_comment = true;
      ++i;
      continue;
    }
    if (ch == '"') {
      for (++i; i < line.size() && line[i] != '"'; ++i) {
        if (line[i] == '\\') ++i;
      }
      leading = false;
      continue;
    }
    if (ch == '<' && line.compare(i, 2, "<<") == 0) {
      size_t p = i + 2;
      if (p < line.size() && line[p] == '-') ++p;
      size_t start = p;
      while (p < line.size() &&
             (std::isalnum(static_cast<unsigned char>(line[p])) || line[p] == '_')) {
        ++p;
      }
      if (p > start) {
        st->heredoc_end = line.substr(start, p - start);
        break;
      }
    }
    if (ch == '{' || ch == '[') {
      ++delta;
      leading = false;
    } else if (ch == '}' || ch == ']') {
      --delta;
      if (leading) ++*leading_closers;
    } else if (ch != ' ' && ch != '\t') {
      leading = false;
    }
  }
  return delta;
}

}  // namespace

Result<std::string> FormatPolicyText(std::string_view text) {
  std::vector<std::string> out;
  ScanState st;
  int depth = 0;
  size_t start = 0;
  int line_no = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    std::string raw(text.substr(start, nl - start));
    start = nl + 1;
    ++line_no;
    if (!st.heredoc_end.empty()) {  // heredoc bodies are kept verbatim
      if (Trim(raw) == st.heredoc_end) st.heredoc_end.clear();
      out.push_back(raw);
      continue;
    }
    int leading_closers = 0;
    if (st.in_block_comment) {  // comment lines are kept as written
      depth += Scan(raw, &st, &leading_closers);
      out.push_back(raw.substr(0, raw.find_last_not_of(" \t\r") + 1));
      continue;
    }
    std::string line = Trim(raw);
    if (line.empty()) {
      if (!out.empty() && !out.back().empty()) out.push_back("");
      continue;
    }
    int delta = Scan(line, &st, &leading_closers);
    int indent = depth - leading_closers;
    if (indent < 0) {
      return Err(InvalidArgument("unbalanced closing brace on line " + std::to_string(line_no)));
    }
    out.push_back(std::string(static_cast<size_t>(indent) * 2, ' ') + line);
    depth += delta;
    if (depth < 0) {
      return Err(InvalidArgument("unbalanced closing brace on line " + std::to_string(line_no)));
    }
  }
  if (depth != 0) return Err(InvalidArgument("unbalanced braces: missing closing brace"));
  while (!out.empty() && out.back().empty()) out.pop_back();
  std::string result;
  for (const std::string& l : out) result += l + "\n";
  return result;
}

}  // namespace coffer::cli
