#include "metastore/embedded.hpp"

namespace mallard::metastore {

namespace {

class EmbeddedTransaction : public Transaction {
 public:
  explicit EmbeddedTransaction(duck::Database &db) : conn_(db) { conn_.query("BEGIN TRANSACTION"); }
  ~EmbeddedTransaction() override { rollback(); }

  Rows query(const std::string &sql, const std::vector<Param> &params) override {
    return conn_.query_text(sql, params);
  }
  void commit() override {
    open_ = false;
    conn_.query("COMMIT");
  }
  void rollback() noexcept override {
    if (!open_) return;
    open_ = false;
    try {
      conn_.query("ROLLBACK");
    } catch (...) {
    }
  }

 private:
  duck::Connection conn_;
  bool open_ = true;
};

}  // namespace

EmbeddedStore::EmbeddedStore(const std::string &path)
    : path_(path), profile_(profile_for(Flavor::kEmbedded)), db_(path, 2) {}

std::unique_ptr<Transaction> EmbeddedStore::begin() { return std::make_unique<EmbeddedTransaction>(db_); }

}  // namespace mallard::metastore
