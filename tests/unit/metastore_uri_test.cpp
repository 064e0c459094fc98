// The external metadata store's configuration: URI parsing, Mallard's own `flavor` parameter, and
// descriptions that never show the password. No server is needed: connections open lazily.

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <memory>

#include "metastore/postgres.hpp"

namespace mallard::metastore {
namespace {

std::string value_of(const PostgresConfig &c, const std::string &key) {
  for (const auto &[k, v] : c.extra)
    if (k == key) return v;
  return "<absent>";
}

// Whether libpq itself accepts the string (what Mallard hands it must always pass).
bool libpq_accepts(const std::string &uri, std::string *why = nullptr) {
  char *err = nullptr;
  PQconninfoOption *o = PQconninfoParse(uri.c_str(), &err);
  if (o) PQconninfoFree(o);
  if (err) {
    if (why) *why = err;
    PQfreemem(err);
  }
  return o != nullptr;
}

TEST(MetastoreUri, ParsesEveryField) {
  PostgresConfig c = parse_postgres_uri(
      "postgresql://meta_user:s3cr%40t@db.example.internal:6543/lake_meta?sslmode=require&flavor=cockroachdb");
  EXPECT_EQ(c.user, "meta_user");
  EXPECT_EQ(c.password, "s3cr@t");  // percent-decoded by libpq's parser
  EXPECT_EQ(c.host, "db.example.internal");
  EXPECT_EQ(c.port, 6543);
  EXPECT_EQ(c.database, "lake_meta");
  EXPECT_EQ(c.sslmode, "require");
  EXPECT_EQ(c.flavor, Flavor::kCockroach);
  EXPECT_TRUE(c.extra.empty());
}

TEST(MetastoreUri, DefaultsWhenLeftOut) {
  PostgresConfig c = parse_postgres_uri("postgres://metahost/db");
  EXPECT_EQ(c.host, "metahost");
  EXPECT_EQ(c.port, 5432);
  EXPECT_EQ(c.database, "db");
  EXPECT_EQ(c.user, "");
  EXPECT_EQ(c.password, "");
  EXPECT_EQ(c.sslmode, "prefer");
  EXPECT_EQ(c.flavor, Flavor::kPostgres);
}

TEST(MetastoreUri, FlavorAbsentOrEmptyIsPostgres) {
  EXPECT_EQ(parse_postgres_uri("postgresql://h/db").flavor, Flavor::kPostgres);
  EXPECT_EQ(parse_postgres_uri("postgresql://h/db?flavor=").flavor, Flavor::kPostgres);
  EXPECT_EQ(parse_postgres_uri("postgresql://h/db?flavor=postgres&sslmode=disable").flavor, Flavor::kPostgres);
  EXPECT_EQ(parse_postgres_uri("postgresql://h/db?sslmode=disable&flavor=cockroachdb").flavor, Flavor::kCockroach);
}

TEST(MetastoreUri, FlavorIsRemovedBeforeLibpqSeesTheUri) {
  const std::string uri = "postgresql://u:pw@h:26257/db?flavor=cockroachdb&sslmode=verify-full&sslrootcert=/ca.crt";
  std::string why;
  // libpq refuses the parameter it does not know, which is why Mallard takes it out.
  EXPECT_FALSE(libpq_accepts(uri, &why));
  EXPECT_NE(why.find("flavor"), std::string::npos) << why;

  std::string flavor;
  std::string plain = remove_flavor_parameter(uri, &flavor);
  EXPECT_EQ(plain, "postgresql://u:pw@h:26257/db?sslmode=verify-full&sslrootcert=/ca.crt");
  EXPECT_EQ(flavor, "cockroachdb");
  EXPECT_TRUE(libpq_accepts(plain, &why)) << why;

  EXPECT_EQ(remove_flavor_parameter("postgresql://h/db?flavor=postgres", &flavor), "postgresql://h/db");
  EXPECT_EQ(flavor, "postgres");
  EXPECT_EQ(remove_flavor_parameter("postgresql://h/db?sslmode=disable&flavor=cockroachdb&connect_timeout=3", &flavor),
            "postgresql://h/db?sslmode=disable&connect_timeout=3");
  EXPECT_EQ(flavor, "cockroachdb");
  EXPECT_EQ(remove_flavor_parameter("postgresql://h/db", &flavor), "postgresql://h/db");
  EXPECT_EQ(flavor, "");
  // Percent-encoded name or value.
  EXPECT_EQ(remove_flavor_parameter("postgresql://h/db?fl%61vor=cockroach%64b", &flavor), "postgresql://h/db");
  EXPECT_EQ(flavor, "cockroachdb");

  PostgresConfig c = parse_postgres_uri(uri);
  EXPECT_EQ(c.flavor, Flavor::kCockroach);
  EXPECT_EQ(c.port, 26257);
  EXPECT_EQ(value_of(c, "sslrootcert"), "/ca.crt");
  EXPECT_EQ(value_of(c, "flavor"), "<absent>");
}

TEST(MetastoreUri, UnknownFlavorIs22023NamingTheAcceptedValues) {
  for (const char *uri : {"postgresql://h/db?flavor=mysql", "postgresql://h/db?sslmode=disable&flavor=Postgres",
                          "postgresql://h/db?flavor=cockroach"}) {
    try {
      parse_postgres_uri(uri);
      ADD_FAILURE() << "accepted " << uri;
    } catch (const Error &e) {
      EXPECT_EQ(e.sqlstate(), "22023") << uri;
      std::string m = e.what();
      EXPECT_NE(m.find("postgres"), std::string::npos) << m;
      EXPECT_NE(m.find("cockroachdb"), std::string::npos) << m;
    }
  }
}

TEST(MetastoreUri, MalformedUrisAre22023) {
  for (const char *uri : {"mysql://h/db", "host=h dbname=db", "postgresql://h:notaport/db",
                          "postgresql://h/db?sslmode=sometimes", "postgresql://h/db?nosuchparameter=1",
                          "postgresql://h:70000/db", "postgresql://h/db?connect_timeout=soon"}) {
    try {
      parse_postgres_uri(uri);
      ADD_FAILURE() << "accepted " << uri;
    } catch (const Error &e) {
      EXPECT_EQ(e.sqlstate(), "22023") << uri << ": " << e.what();
    }
  }
}

TEST(MetastoreUri, OtherLibpqParametersPassThroughAndMallardsOwnAreIgnored) {
  PostgresConfig c = parse_postgres_uri(
      "postgresql://h/db?connect_timeout=7&application_name=someone_else&keepalives=0&target_session_attrs=read-write"
      "&options=--cluster%3Dtenant-1");
  EXPECT_EQ(c.connect_timeout, std::chrono::seconds(7));
  EXPECT_EQ(value_of(c, "target_session_attrs"), "read-write");
  EXPECT_EQ(value_of(c, "options"), "--cluster=tenant-1");
  EXPECT_EQ(value_of(c, "application_name"), "<absent>");
  EXPECT_EQ(value_of(c, "keepalives"), "<absent>");
}

TEST(MetastoreUri, DescribeNeverShowsThePassword) {
  PostgresConfig c = parse_postgres_uri("postgresql://meta:Very-Secret-9@metahost:5433/lake?flavor=cockroachdb");
  PostgresStore store(c, "wh1");  // opens no connection yet
  std::string d = store.describe();
  EXPECT_EQ(d.find("Very-Secret-9"), std::string::npos) << d;
  EXPECT_NE(d.find("cockroachdb"), std::string::npos) << d;
  EXPECT_NE(d.find("meta@metahost:5433/lake"), std::string::npos) << d;
  EXPECT_EQ(store.profile().flavor, Flavor::kCockroach);
  EXPECT_EQ(store.pool_stats().open, 0);
}

TEST(MetastoreUri, ProfileBelongsToEachStore) {
  PostgresConfig pg = parse_postgres_uri("postgresql://h/db");
  PostgresConfig crdb = parse_postgres_uri("postgresql://h/db?flavor=cockroachdb");
  PostgresStore a(pg, "a"), b(crdb, "b");
  EXPECT_EQ(a.profile().flavor, Flavor::kPostgres);
  EXPECT_FALSE(a.profile().ddl_in_own_transaction);
  EXPECT_EQ(b.profile().flavor, Flavor::kCockroach);
  EXPECT_TRUE(b.profile().ddl_in_own_transaction);
  PostgresConfig embedded = pg;
  embedded.flavor = Flavor::kEmbedded;
  EXPECT_THROW(PostgresStore(embedded, "c"), Error);
}

}  // namespace
}  // namespace mallard::metastore
