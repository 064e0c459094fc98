#pragma once
// The default metadata store: a DuckDB database file in the warehouse's directory. Nothing to
// install; one Mallard process owns the file (DuckDB locks it).

#include <memory>
#include <string>

#include "duck/duck.hpp"
#include "metastore/store.hpp"

namespace mallard::metastore {

class EmbeddedStore : public Store {
 public:
  explicit EmbeddedStore(const std::string &path);
  const Profile &profile() const override { return profile_; }
  std::unique_ptr<Transaction> begin() override;
  std::string describe() const override { return "embedded " + path_; }

 private:
  std::string path_;
  Profile profile_;
  duck::Database db_;
};

}  // namespace mallard::metastore
