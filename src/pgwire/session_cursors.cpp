// SQL-level cursors (DECLARE / FETCH / MOVE / CLOSE) on top of the session's portals, which they
// share a namespace with, as in PostgreSQL.
#include <nlohmann/json.hpp>

#include "pgwire/session.hpp"

namespace mallard::pgwire {

namespace {

// PostgreSQL's cursor option bits (DeclareCursorStmt.options).
constexpr int kCursorBinary = 0x0001;
constexpr int kCursorScroll = 0x0002;
constexpr int kCursorHold = 0x0020;

// The query of "DECLARE name ... CURSOR ... FOR query": the text after the first top-level FOR
// that follows CURSOR.
std::string cursor_query(const std::string &text) {
  bool seen_cursor = false;
  for (size_t i = 0; i < text.size();) {
    if (std::isalpha(static_cast<unsigned char>(text[i]))) {
      size_t j = i;
      while (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '_')) ++j;
      std::string word = text.substr(i, j - i);
      for (auto &c : word) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (word == "CURSOR") seen_cursor = true;
      if (seen_cursor && word == "FOR") return text.substr(j);
      i = j;
      continue;
    }
    i = sql::skip_lexeme(text, i);
  }
  return {};
}

}  // namespace

void Session::declare_parameters(PreparedStatement &s, const std::vector<uint32_t> &declared) {
  auto tree = sql::parse(s.text);
  if (!tree || !tree->contains("DeclareCursorStmt")) return;
  s.param_oids = prepare(cursor_query(s.text), declared)->param_oids;
}

Portal *Session::fetched_cursor(const PreparedStatement &s) {
  if (s.cls.kind != sql::Kind::kCursor) return nullptr;
  auto tree = sql::parse(s.text);
  if (!tree || !tree->contains("FetchStmt") || (*tree)["FetchStmt"].value("ismove", false)) return nullptr;
  auto it = portals_.find((*tree)["FetchStmt"].value("portalname", ""));
  return it == portals_.end() ? nullptr : it->second.get();
}

void Session::run_cursor(Portal &p) {
  const std::string &text = p.stmt->text;
  auto tree = sql::parse(text);
  if (!tree) throw Error(sqlstate::kSyntaxError, "syntax error in cursor statement");
  if (tree->contains("DeclareCursorStmt")) {
    const auto &d = (*tree)["DeclareCursorStmt"];
    std::string name = d.value("portalname", "");
    int options = d.value("options", 0);
    bool hold = options & kCursorHold;
    if (options & kCursorScroll)
      throw Error(sqlstate::kFeatureNotSupported, "SCROLL cursors are not supported; cursors scan forward only");
    if (!hold && tx_ == TxStatus::kIdle)
      throw Error(sqlstate::kNoActiveTransaction, "DECLARE CURSOR can only be used in transaction blocks");
    if (portals_.count(name)) throw Error(sqlstate::kDuplicateCursor, "cursor \"" + name + "\" already exists");
    std::string query = cursor_query(text);
    auto q = std::make_unique<Portal>();
    q->stmt = prepare(query, p.stmt->param_oids);
    if (!q->stmt->prepared || !q->stmt->returns_rows)
      throw Error("42P11", "cannot open a cursor on a statement that returns no rows");
    // Parameters bound to the DECLARE (extended protocol) are the query's.
    q->values = std::move(p.values);
    if (!q->values.empty() && q->stmt->inline_params.empty()) bind_values(*q);
    if (options & kCursorBinary) q->result_format_codes = {1};
    q->holdable = hold;
    start_portal(*q);
    if (hold && tx_ == TxStatus::kIdle) {
      // Outside a transaction block the cursor's rows must survive the statement's own end.
      q->held = true;
      portals_[name] = std::move(q);
      materialize_open_portals(nullptr);
    } else {
      portals_[name] = std::move(q);
    }
    return;
  }
  if (tree->contains("FetchStmt")) {
    const auto &f = (*tree)["FetchStmt"];
    std::string name = f.value("portalname", "");
    bool move = f.value("ismove", false);
    std::string direction = f.value("direction", "FETCH_FORWARD");
    int64_t how_many = f.value("howMany", int64_t(0));
    if (direction != "FETCH_FORWARD")
      throw Error("55000", "cursor can only scan forward", 0, "",
                  "Declare it with SCROLL option to enable backward scan (not supported by Mallard).");
    auto it = portals_.find(name);
    if (it == portals_.end() || it.operator->()->second.get() == &p)
      throw Error(sqlstate::kInvalidCursorName, "cursor \"" + name + "\" does not exist");
    Portal &c = *it->second;
    c.rows = 0;
    // Through the extended protocol the rows take the FETCH portal's formats, and their
    // description is the answer to its Describe (see fetched_cursor).
    std::vector<Format> own = c.formats;
    if (in_extended_) c.formats = formats_of(p.result_format_codes, c.formats.size());
    if (!move && !c.encoders.empty() && !in_extended_) send_row_description(c);
    if (how_many > 0 && !c.done) {
      discard_rows_ = move;
      try {
        send_rows(c, static_cast<uint64_t>(how_many));
      } catch (...) {
        discard_rows_ = false;
        c.formats = std::move(own);
        throw;
      }
      discard_rows_ = false;
    }
    c.formats = std::move(own);
    p.done_tag = std::string(move ? "MOVE " : "FETCH ") + std::to_string(c.rows);
    return;
  }
  if (tree->contains("ClosePortalStmt")) {
    const auto &c = (*tree)["ClosePortalStmt"];
    if (!c.contains("portalname")) {
      for (auto it = portals_.begin(); it != portals_.end();) it = it->second.get() == &p ? std::next(it) : portals_.erase(it);
      p.done_tag = "CLOSE CURSOR ALL";
      return;
    }
    std::string name = c.value("portalname", "");
    if (!portals_.erase(name)) throw Error(sqlstate::kInvalidCursorName, "cursor \"" + name + "\" does not exist");
    return;
  }
  throw Error(sqlstate::kFeatureNotSupported, "unsupported cursor statement");
}

}  // namespace mallard::pgwire
