#include "control/catalog.hpp"

namespace mallard::control {

void install_pg_catalog(duck::Connection &conn) { (void)conn; }

}  // namespace mallard::control
