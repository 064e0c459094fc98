#include "metastore/embedded.hpp"

namespace mallard::metastore {

namespace {

// Plans kept per pooled connection; statements built with literal values (IN lists, table names)
// make the set of texts open-ended, so past this many the cache starts over.
constexpr size_t kMaxPlans = 256;

class EmbeddedTransaction : public Transaction {
 public:
  EmbeddedTransaction(EmbeddedStore &store, std::unique_ptr<EmbeddedStore::Pooled> c)
      : store_(store), c_(std::move(c)) {
    c_->conn.query("BEGIN TRANSACTION");
  }
  ~EmbeddedTransaction() override {
    rollback();
    if (clean_) store_.release(std::move(c_));  // else the connection's state is unknown: drop it
  }

  Rows query(const std::string &sql, const std::vector<Param> &params) override {
    if (params.empty()) return c_->conn.query_text(sql, params);
    auto it = c_->plans.find(sql);
    if (it == c_->plans.end()) {
      if (c_->plans.size() >= kMaxPlans) c_->plans.clear();
      it = c_->plans.emplace(sql, duck::Prepared(c_->conn, sql)).first;
    }
    duck::Prepared &p = it->second;
    p.clear_bindings();
    for (size_t i = 0; i < params.size(); ++i) {
      if (params[i]) p.bind_text(i, *params[i]);
      else p.bind_null(i);
    }
    duck::Result r = p.execute_streaming();
    Rows rows;
    while (duck::DataChunk chunk = r.fetch()) duck::append_text_rows(chunk.get(), rows);
    return rows;
  }
  void commit() override {
    open_ = false;
    clean_ = false;
    c_->conn.query("COMMIT");
    clean_ = true;
  }
  void rollback() noexcept override {
    if (!open_) return;
    open_ = false;
    try {
      c_->conn.query("ROLLBACK");
    } catch (...) {
      clean_ = false;
    }
  }

 private:
  EmbeddedStore &store_;
  std::unique_ptr<EmbeddedStore::Pooled> c_;
  bool open_ = true;
  bool clean_ = true;  // no transaction left open on the connection
};

}  // namespace

EmbeddedStore::EmbeddedStore(const std::string &path)
    : path_(path), profile_(profile_for(Flavor::kEmbedded)), db_(path, 2) {}

std::unique_ptr<EmbeddedStore::Pooled> EmbeddedStore::acquire() {
  {
    std::lock_guard lock(pool_mu_);
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
  }
  return std::make_unique<Pooled>(db_);
}

void EmbeddedStore::release(std::unique_ptr<Pooled> c) {
  if (!c) return;
  std::lock_guard lock(pool_mu_);
  if (idle_.size() < 8) idle_.push_back(std::move(c));
}

std::unique_ptr<Transaction> EmbeddedStore::begin() {
  return std::make_unique<EmbeddedTransaction>(*this, acquire());
}

}  // namespace mallard::metastore
