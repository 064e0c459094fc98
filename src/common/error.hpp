#pragma once

#include <stdexcept>
#include <string>

namespace mallard {

// SQLSTATE codes used across layers. The code travels to the client unchanged.
namespace sqlstate {
inline constexpr const char *kSuccessfulCompletion = "00000";
inline constexpr const char *kWarning = "01000";
inline constexpr const char *kNoActiveTransaction = "25P01";
inline constexpr const char *kInvalidSavepointSpecification = "3B001";
inline constexpr const char *kActiveTransaction = "25001";
inline constexpr const char *kInFailedTransaction = "25P02";
inline constexpr const char *kIdleInTransactionTimeout = "25P03";
inline constexpr const char *kConnectionException = "08000";
inline constexpr const char *kConnectionFailure = "08006";
inline constexpr const char *kProtocolViolation = "08P01";
inline constexpr const char *kFeatureNotSupported = "0A000";
inline constexpr const char *kInvalidPassword = "28P01";
inline constexpr const char *kInvalidAuthorization = "28000";
inline constexpr const char *kInvalidCatalogName = "3D000";
inline constexpr const char *kSyntaxError = "42601";
inline constexpr const char *kUndefinedTable = "42P01";
inline constexpr const char *kUndefinedColumn = "42703";
inline constexpr const char *kUndefinedFunction = "42883";
inline constexpr const char *kUndefinedObject = "42704";
inline constexpr const char *kInvalidSchemaName = "3F000";
inline constexpr const char *kDuplicateTable = "42P07";
inline constexpr const char *kDuplicateColumn = "42701";
inline constexpr const char *kDuplicateObject = "42710";
inline constexpr const char *kDuplicateSchema = "42P06";
inline constexpr const char *kDatatypeMismatch = "42804";
inline constexpr const char *kAmbiguousColumn = "42702";
inline constexpr const char *kUndefinedParameter = "42P02";
inline constexpr const char *kIndeterminateDatatype = "42P18";
inline constexpr const char *kInvalidPreparedStatement = "26000";
inline constexpr const char *kDuplicatePreparedStatement = "42P05";
inline constexpr const char *kInvalidCursorName = "34000";
inline constexpr const char *kDuplicateCursor = "42P03";
inline constexpr const char *kInvalidTextRepresentation = "22P02";
inline constexpr const char *kInvalidColumnReference = "42P10";
inline constexpr const char *kInvalidDatetimeFormat = "22007";
inline constexpr const char *kInvalidBinaryRepresentation = "22P03";
inline constexpr const char *kCharacterNotInRepertoire = "22021";
inline constexpr const char *kNumericValueOutOfRange = "22003";
inline constexpr const char *kDivisionByZero = "22012";
inline constexpr const char *kInvalidParameterValue = "22023";
inline constexpr const char *kStringDataRightTruncation = "22001";
inline constexpr const char *kDataException = "22000";
inline constexpr const char *kNullValueNotAllowed = "22004";
inline constexpr const char *kObjectNotInPrerequisiteState = "55000";
inline constexpr const char *kBadCopyFileFormat = "22P04";
inline constexpr const char *kNotNullViolation = "23502";
inline constexpr const char *kUniqueViolation = "23505";
inline constexpr const char *kForeignKeyViolation = "23503";
inline constexpr const char *kCheckViolation = "23514";
inline constexpr const char *kIntegrityConstraintViolation = "23000";
inline constexpr const char *kSerializationFailure = "40001";
inline constexpr const char *kDeadlockDetected = "40P01";
inline constexpr const char *kQueryCanceled = "57014";
inline constexpr const char *kAdminShutdown = "57P01";
inline constexpr const char *kTooManyConnections = "53300";
inline constexpr const char *kOutOfMemory = "53200";
inline constexpr const char *kProgramLimitExceeded = "54000";
inline constexpr const char *kInsufficientPrivilege = "42501";
inline constexpr const char *kInvalidSqlStatementName = "26000";
inline constexpr const char *kIoError = "58030";
inline constexpr const char *kInternalError = "XX000";
inline constexpr const char *kDataCorrupted = "XX001";
inline constexpr const char *kCantChangeRuntimeParam = "55P02";
inline constexpr const char *kInvalidTransactionState = "25000";
}  // namespace sqlstate

// The one error type of Mallard. Every failure that can reach a client carries a SQLSTATE; the
// optional position is 1-based into the statement text, as PostgreSQL reports it.
class Error : public std::runtime_error {
 public:
  Error(std::string sqlstate, std::string message, int position = 0, std::string detail = {},
        std::string hint = {})
      : std::runtime_error(std::move(message)),
        sqlstate_(std::move(sqlstate)),
        position_(position),
        detail_(std::move(detail)),
        hint_(std::move(hint)) {}

  const std::string &sqlstate() const { return sqlstate_; }
  int position() const { return position_; }
  const std::string &detail() const { return detail_; }
  const std::string &hint() const { return hint_; }
  std::string message() const { return what(); }

 private:
  std::string sqlstate_;
  int position_;
  std::string detail_;
  std::string hint_;
};

}  // namespace mallard
