#include "faultproxy/pg_fixture.hpp"

namespace mallard::it {

Result exec_params(PGconn *c, const std::string &sql, const std::vector<std::string> &params) {
  std::vector<const char *> values;
  for (const auto &p : params) values.push_back(p.c_str());
  return Result(PQexecParams(c, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                             nullptr, 0));
}

}  // namespace mallard::it
