#pragma once
// The default metadata store: a DuckDB database file in the warehouse's directory. Nothing to
// install; one Mallard process owns the file (DuckDB locks it).

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "duck/duck.hpp"
#include "metastore/store.hpp"

namespace mallard::metastore {

class EmbeddedStore : public Store {
 public:
  explicit EmbeddedStore(const std::string &path);
  const Profile &profile() const override { return profile_; }
  std::unique_ptr<Transaction> begin() override;
  std::string describe() const override { return "embedded " + path_; }

  // A connection kept between transactions, with the statements it prepared: the catalog's
  // statements repeat from one commit to the next, and preparing them was a large part of a
  // commit's cost.
  struct Pooled {
    explicit Pooled(duck::Database &db) : conn(db) {}
    duck::Connection conn;
    std::map<std::string, duck::Prepared> plans;
  };
  std::unique_ptr<Pooled> acquire();
  void release(std::unique_ptr<Pooled> c);

 private:
  std::string path_;
  Profile profile_;
  duck::Database db_;
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Pooled>> idle_;
};

}  // namespace mallard::metastore
