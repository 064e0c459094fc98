#pragma once
// Declarations of the parts of DuckDB's stable C API that Mallard uses, written for this project
// against the documented C API of the pinned library (see scripts/setup). Only what is declared
// here may be called; the library's own headers are not used.

#include <cstddef>
#include <cstdint>

extern "C" {

using idx_t = uint64_t;

enum duckdb_state : int { DuckDBSuccess = 0, DuckDBError = 1 };

enum duckdb_type : int {
  DUCKDB_TYPE_INVALID = 0,
  DUCKDB_TYPE_BOOLEAN = 1,
  DUCKDB_TYPE_TINYINT = 2,
  DUCKDB_TYPE_SMALLINT = 3,
  DUCKDB_TYPE_INTEGER = 4,
  DUCKDB_TYPE_BIGINT = 5,
  DUCKDB_TYPE_UTINYINT = 6,
  DUCKDB_TYPE_USMALLINT = 7,
  DUCKDB_TYPE_UINTEGER = 8,
  DUCKDB_TYPE_UBIGINT = 9,
  DUCKDB_TYPE_FLOAT = 10,
  DUCKDB_TYPE_DOUBLE = 11,
  DUCKDB_TYPE_TIMESTAMP = 12,
  DUCKDB_TYPE_DATE = 13,
  DUCKDB_TYPE_TIME = 14,
  DUCKDB_TYPE_INTERVAL = 15,
  DUCKDB_TYPE_HUGEINT = 16,
  DUCKDB_TYPE_VARCHAR = 17,
  DUCKDB_TYPE_BLOB = 18,
  DUCKDB_TYPE_DECIMAL = 19,
  DUCKDB_TYPE_TIMESTAMP_S = 20,
  DUCKDB_TYPE_TIMESTAMP_MS = 21,
  DUCKDB_TYPE_TIMESTAMP_NS = 22,
  DUCKDB_TYPE_ENUM = 23,
  DUCKDB_TYPE_LIST = 24,
  DUCKDB_TYPE_STRUCT = 25,
  DUCKDB_TYPE_MAP = 26,
  DUCKDB_TYPE_UUID = 27,
  DUCKDB_TYPE_UNION = 28,
  DUCKDB_TYPE_BIT = 29,
  DUCKDB_TYPE_TIME_TZ = 30,
  DUCKDB_TYPE_TIMESTAMP_TZ = 31,
  DUCKDB_TYPE_UHUGEINT = 32,
  DUCKDB_TYPE_ARRAY = 33,
  DUCKDB_TYPE_ANY = 34,
  DUCKDB_TYPE_BIGNUM = 35,
  DUCKDB_TYPE_SQLNULL = 36,
  DUCKDB_TYPE_STRING_LITERAL = 37,
  DUCKDB_TYPE_INTEGER_LITERAL = 38,
  DUCKDB_TYPE_TIME_NS = 39,
};

enum duckdb_pending_state : int {
  DUCKDB_PENDING_RESULT_READY = 0,
  DUCKDB_PENDING_RESULT_NOT_READY = 1,
  DUCKDB_PENDING_ERROR = 2,
  DUCKDB_PENDING_NO_TASKS_AVAILABLE = 3,
};

enum duckdb_result_type : int {
  DUCKDB_RESULT_TYPE_INVALID = 0,
  DUCKDB_RESULT_TYPE_CHANGED_ROWS = 1,
  DUCKDB_RESULT_TYPE_NOTHING = 2,
  DUCKDB_RESULT_TYPE_QUERY_RESULT = 3,
};

enum duckdb_statement_type : int {
  DUCKDB_STATEMENT_TYPE_INVALID = 0,
  DUCKDB_STATEMENT_TYPE_SELECT = 1,
  DUCKDB_STATEMENT_TYPE_INSERT = 2,
  DUCKDB_STATEMENT_TYPE_UPDATE = 3,
  DUCKDB_STATEMENT_TYPE_EXPLAIN = 4,
  DUCKDB_STATEMENT_TYPE_DELETE = 5,
  DUCKDB_STATEMENT_TYPE_PREPARE = 6,
  DUCKDB_STATEMENT_TYPE_CREATE = 7,
  DUCKDB_STATEMENT_TYPE_EXECUTE = 8,
  DUCKDB_STATEMENT_TYPE_ALTER = 9,
  DUCKDB_STATEMENT_TYPE_TRANSACTION = 10,
  DUCKDB_STATEMENT_TYPE_COPY = 11,
  DUCKDB_STATEMENT_TYPE_ANALYZE = 12,
  DUCKDB_STATEMENT_TYPE_VARIABLE_SET = 13,
  DUCKDB_STATEMENT_TYPE_CREATE_FUNC = 14,
  DUCKDB_STATEMENT_TYPE_DROP = 15,
  DUCKDB_STATEMENT_TYPE_EXPORT = 16,
  DUCKDB_STATEMENT_TYPE_PRAGMA = 17,
  DUCKDB_STATEMENT_TYPE_VACUUM = 18,
  DUCKDB_STATEMENT_TYPE_CALL = 19,
  DUCKDB_STATEMENT_TYPE_SET = 20,
  DUCKDB_STATEMENT_TYPE_LOAD = 21,
  DUCKDB_STATEMENT_TYPE_RELATION = 22,
  DUCKDB_STATEMENT_TYPE_EXTENSION = 23,
  DUCKDB_STATEMENT_TYPE_LOGICAL_PLAN = 24,
  DUCKDB_STATEMENT_TYPE_ATTACH = 25,
  DUCKDB_STATEMENT_TYPE_DETACH = 26,
  DUCKDB_STATEMENT_TYPE_MULTI = 27,
  DUCKDB_STATEMENT_TYPE_COPY_DATABASE = 28,
  DUCKDB_STATEMENT_TYPE_UPDATE_EXTENSIONS = 29,
  DUCKDB_STATEMENT_TYPE_MERGE_INTO = 30,
};

enum duckdb_error_type : int {
  DUCKDB_ERROR_INVALID = 0,
  DUCKDB_ERROR_OUT_OF_RANGE = 1,
  DUCKDB_ERROR_CONVERSION = 2,
  DUCKDB_ERROR_UNKNOWN_TYPE = 3,
  DUCKDB_ERROR_DECIMAL = 4,
  DUCKDB_ERROR_MISMATCH_TYPE = 5,
  DUCKDB_ERROR_DIVIDE_BY_ZERO = 6,
  DUCKDB_ERROR_OBJECT_SIZE = 7,
  DUCKDB_ERROR_INVALID_TYPE = 8,
  DUCKDB_ERROR_SERIALIZATION = 9,
  DUCKDB_ERROR_TRANSACTION = 10,
  DUCKDB_ERROR_NOT_IMPLEMENTED = 11,
  DUCKDB_ERROR_EXPRESSION = 12,
  DUCKDB_ERROR_CATALOG = 13,
  DUCKDB_ERROR_PARSER = 14,
  DUCKDB_ERROR_PLANNER = 15,
  DUCKDB_ERROR_SCHEDULER = 16,
  DUCKDB_ERROR_EXECUTOR = 17,
  DUCKDB_ERROR_CONSTRAINT = 18,
  DUCKDB_ERROR_INDEX = 19,
  DUCKDB_ERROR_STAT = 20,
  DUCKDB_ERROR_CONNECTION = 21,
  DUCKDB_ERROR_SYNTAX = 22,
  DUCKDB_ERROR_SETTINGS = 23,
  DUCKDB_ERROR_BINDER = 24,
  DUCKDB_ERROR_NETWORK = 25,
  DUCKDB_ERROR_OPTIMIZER = 26,
  DUCKDB_ERROR_NULL_POINTER = 27,
  DUCKDB_ERROR_IO = 28,
  DUCKDB_ERROR_INTERRUPT = 29,
  DUCKDB_ERROR_FATAL = 30,
  DUCKDB_ERROR_INTERNAL = 31,
  DUCKDB_ERROR_INVALID_INPUT = 32,
  DUCKDB_ERROR_OUT_OF_MEMORY = 33,
  DUCKDB_ERROR_PERMISSION = 34,
  DUCKDB_ERROR_PARAMETER_NOT_RESOLVED = 35,
  DUCKDB_ERROR_PARAMETER_NOT_ALLOWED = 36,
  DUCKDB_ERROR_DEPENDENCY = 37,
  DUCKDB_ERROR_HTTP = 38,
  DUCKDB_ERROR_MISSING_EXTENSION = 39,
  DUCKDB_ERROR_AUTOLOAD = 40,
  DUCKDB_ERROR_SEQUENCE = 41,
  DUCKDB_INVALID_CONFIGURATION = 42,
};

struct duckdb_date { int32_t days; };
struct duckdb_time { int64_t micros; };
struct duckdb_time_tz { uint64_t bits; };
struct duckdb_timestamp { int64_t micros; };
struct duckdb_interval { int32_t months; int32_t days; int64_t micros; };
struct duckdb_hugeint { uint64_t lower; int64_t upper; };
struct duckdb_uhugeint { uint64_t lower; uint64_t upper; };
struct duckdb_decimal { uint8_t width; uint8_t scale; duckdb_hugeint value; };

// Layout of a VARCHAR/BLOB element inside a vector: up to 12 bytes inline, else a pointer.
struct duckdb_string_t {
  union {
    struct { uint32_t length; char prefix[4]; char *ptr; } pointer;
    struct { uint32_t length; char inlined[12]; } inlined;
  } value;
};

struct duckdb_list_entry { uint64_t offset; uint64_t length; };
struct duckdb_bit { uint8_t *data; idx_t size; };
struct duckdb_blob { void *data; idx_t size; };

// The result struct is filled by the library; its fields are opaque to Mallard.
struct duckdb_result {
  idx_t deprecated_column_count;
  idx_t deprecated_row_count;
  idx_t deprecated_rows_changed;
  void *deprecated_columns;
  char *deprecated_error_message;
  void *internal_data;
};

typedef struct _duckdb_database { void *internal_ptr; } *duckdb_database;
typedef struct _duckdb_connection { void *internal_ptr; } *duckdb_connection;
typedef struct _duckdb_prepared_statement { void *internal_ptr; } *duckdb_prepared_statement;
typedef struct _duckdb_extracted_statements { void *internal_ptr; } *duckdb_extracted_statements;
typedef struct _duckdb_pending_result { void *internal_ptr; } *duckdb_pending_result;
typedef struct _duckdb_appender { void *internal_ptr; } *duckdb_appender;
typedef struct _duckdb_table_description { void *internal_ptr; } *duckdb_table_description;
typedef struct _duckdb_config { void *internal_ptr; } *duckdb_config;
typedef struct _duckdb_logical_type { void *internal_ptr; } *duckdb_logical_type;
typedef struct _duckdb_data_chunk { void *internal_ptr; } *duckdb_data_chunk;
typedef struct _duckdb_vector { void *internal_ptr; } *duckdb_vector;
typedef struct _duckdb_value { void *internal_ptr; } *duckdb_value;
typedef struct _duckdb_create_type_info { void *internal_ptr; } *duckdb_create_type_info;

// Database and connection.
duckdb_state duckdb_open_ext(const char *path, duckdb_database *out, duckdb_config config, char **out_error);
void duckdb_close(duckdb_database *db);
duckdb_state duckdb_connect(duckdb_database db, duckdb_connection *out);
void duckdb_disconnect(duckdb_connection *conn);
void duckdb_interrupt(duckdb_connection conn);
const char *duckdb_library_version();
duckdb_state duckdb_create_config(duckdb_config *out);
duckdb_state duckdb_set_config(duckdb_config config, const char *name, const char *option);
void duckdb_destroy_config(duckdb_config *config);
void duckdb_free(void *ptr);

// Results.
duckdb_state duckdb_query(duckdb_connection conn, const char *query, duckdb_result *out);
void duckdb_destroy_result(duckdb_result *result);
const char *duckdb_column_name(duckdb_result *result, idx_t col);
duckdb_logical_type duckdb_column_logical_type(duckdb_result *result, idx_t col);
idx_t duckdb_column_count(duckdb_result *result);
idx_t duckdb_rows_changed(duckdb_result *result);
const char *duckdb_result_error(duckdb_result *result);
duckdb_error_type duckdb_result_error_type(duckdb_result *result);
duckdb_result_type duckdb_result_return_type(duckdb_result result);
duckdb_statement_type duckdb_result_statement_type(duckdb_result result);
duckdb_data_chunk duckdb_fetch_chunk(duckdb_result result);

// Prepared statements.
duckdb_state duckdb_prepare(duckdb_connection conn, const char *query, duckdb_prepared_statement *out);
void duckdb_destroy_prepare(duckdb_prepared_statement *stmt);
const char *duckdb_prepare_error(duckdb_prepared_statement stmt);
idx_t duckdb_nparams(duckdb_prepared_statement stmt);
duckdb_type duckdb_param_type(duckdb_prepared_statement stmt, idx_t param_idx);
duckdb_logical_type duckdb_param_logical_type(duckdb_prepared_statement stmt, idx_t param_idx);
duckdb_state duckdb_clear_bindings(duckdb_prepared_statement stmt);
duckdb_statement_type duckdb_prepared_statement_type(duckdb_prepared_statement stmt);
idx_t duckdb_prepared_statement_column_count(duckdb_prepared_statement stmt);
const char *duckdb_prepared_statement_column_name(duckdb_prepared_statement stmt, idx_t col);
duckdb_logical_type duckdb_prepared_statement_column_logical_type(duckdb_prepared_statement stmt, idx_t col);
duckdb_state duckdb_bind_value(duckdb_prepared_statement stmt, idx_t param_idx, duckdb_value val);
duckdb_state duckdb_bind_null(duckdb_prepared_statement stmt, idx_t param_idx);
duckdb_state duckdb_bind_varchar_length(duckdb_prepared_statement stmt, idx_t param_idx, const char *val, idx_t length);
duckdb_state duckdb_execute_prepared_streaming(duckdb_prepared_statement stmt, duckdb_result *out);
duckdb_state duckdb_execute_prepared(duckdb_prepared_statement stmt, duckdb_result *out);

// Statement extraction (DuckDB's own splitter, for text libpg_query cannot scan).
idx_t duckdb_extract_statements(duckdb_connection conn, const char *query, duckdb_extracted_statements *out);
duckdb_state duckdb_prepare_extracted_statement(duckdb_connection conn, duckdb_extracted_statements stmts,
                                                idx_t index, duckdb_prepared_statement *out);
const char *duckdb_extract_statements_error(duckdb_extracted_statements stmts);
void duckdb_destroy_extracted(duckdb_extracted_statements *stmts);

// Values.
duckdb_value duckdb_create_varchar_length(const char *text, idx_t length);
duckdb_value duckdb_create_bool(bool input);
duckdb_value duckdb_create_int8(int8_t input);
duckdb_value duckdb_create_int16(int16_t input);
duckdb_value duckdb_create_int32(int32_t input);
duckdb_value duckdb_create_int64(int64_t input);
duckdb_value duckdb_create_hugeint(duckdb_hugeint input);
duckdb_value duckdb_create_uuid(duckdb_uhugeint input);
duckdb_value duckdb_create_float(float input);
duckdb_value duckdb_create_double(double input);
duckdb_value duckdb_create_date(duckdb_date input);
duckdb_value duckdb_create_time(duckdb_time input);
duckdb_value duckdb_create_timestamp(duckdb_timestamp input);
duckdb_value duckdb_create_timestamp_tz(duckdb_timestamp input);
duckdb_value duckdb_create_interval(duckdb_interval input);
duckdb_value duckdb_create_blob(const uint8_t *data, idx_t length);
duckdb_value duckdb_create_null_value();
duckdb_value duckdb_create_list_value(duckdb_logical_type type, duckdb_value *values, idx_t value_count);
duckdb_value duckdb_create_decimal(duckdb_decimal input);
duckdb_value duckdb_create_uint32(uint32_t input);
duckdb_time_tz duckdb_create_time_tz(int64_t micros, int32_t offset);
duckdb_value duckdb_create_time_tz_value(duckdb_time_tz input);
duckdb_value duckdb_create_bit(duckdb_bit input);
duckdb_value duckdb_create_array_value(duckdb_logical_type type, duckdb_value *values, idx_t value_count);
// The returned type belongs to the value: it must not be destroyed.
duckdb_logical_type duckdb_get_value_type(duckdb_value value);
bool duckdb_is_null_value(duckdb_value value);
bool duckdb_get_bool(duckdb_value value);
double duckdb_get_double(duckdb_value value);
// The data must be freed with duckdb_free.
duckdb_blob duckdb_get_blob(duckdb_value value);
void duckdb_destroy_value(duckdb_value *value);
char *duckdb_get_varchar(duckdb_value value);

// Logical types.
duckdb_logical_type duckdb_create_logical_type(duckdb_type type);
duckdb_logical_type duckdb_create_decimal_type(uint8_t width, uint8_t scale);
duckdb_type duckdb_get_type_id(duckdb_logical_type type);
uint8_t duckdb_decimal_width(duckdb_logical_type type);
uint8_t duckdb_decimal_scale(duckdb_logical_type type);
duckdb_type duckdb_decimal_internal_type(duckdb_logical_type type);
duckdb_type duckdb_enum_internal_type(duckdb_logical_type type);
uint32_t duckdb_enum_dictionary_size(duckdb_logical_type type);
char *duckdb_enum_dictionary_value(duckdb_logical_type type, idx_t index);
duckdb_logical_type duckdb_list_type_child_type(duckdb_logical_type type);
duckdb_logical_type duckdb_array_type_child_type(duckdb_logical_type type);
idx_t duckdb_array_type_array_size(duckdb_logical_type type);
duckdb_logical_type duckdb_map_type_key_type(duckdb_logical_type type);
duckdb_logical_type duckdb_map_type_value_type(duckdb_logical_type type);
idx_t duckdb_struct_type_child_count(duckdb_logical_type type);
char *duckdb_struct_type_child_name(duckdb_logical_type type, idx_t index);
duckdb_logical_type duckdb_struct_type_child_type(duckdb_logical_type type, idx_t index);
char *duckdb_logical_type_get_alias(duckdb_logical_type type);
void duckdb_logical_type_set_alias(duckdb_logical_type type, const char *alias);
duckdb_state duckdb_register_logical_type(duckdb_connection con, duckdb_logical_type type, duckdb_create_type_info info);
idx_t duckdb_union_type_member_count(duckdb_logical_type type);
char *duckdb_union_type_member_name(duckdb_logical_type type, idx_t index);
duckdb_logical_type duckdb_union_type_member_type(duckdb_logical_type type, idx_t index);
duckdb_logical_type duckdb_create_list_type(duckdb_logical_type type);
duckdb_logical_type duckdb_create_array_type(duckdb_logical_type type, idx_t array_size);
void duckdb_destroy_logical_type(duckdb_logical_type *type);

// Data chunks and vectors.
idx_t duckdb_vector_size();
idx_t duckdb_data_chunk_get_column_count(duckdb_data_chunk chunk);
idx_t duckdb_data_chunk_get_size(duckdb_data_chunk chunk);
duckdb_vector duckdb_data_chunk_get_vector(duckdb_data_chunk chunk, idx_t col_idx);
void duckdb_destroy_data_chunk(duckdb_data_chunk *chunk);
duckdb_logical_type duckdb_vector_get_column_type(duckdb_vector vector);
void *duckdb_vector_get_data(duckdb_vector vector);
uint64_t *duckdb_vector_get_validity(duckdb_vector vector);
duckdb_vector duckdb_list_vector_get_child(duckdb_vector vector);
idx_t duckdb_list_vector_get_size(duckdb_vector vector);
duckdb_vector duckdb_struct_vector_get_child(duckdb_vector vector, idx_t index);
duckdb_vector duckdb_array_vector_get_child(duckdb_vector vector);

// Appender.
duckdb_state duckdb_appender_create_ext(duckdb_connection conn, const char *catalog, const char *schema,
                                        const char *table, duckdb_appender *out);
duckdb_state duckdb_appender_add_column(duckdb_appender appender, const char *name);
duckdb_state duckdb_table_description_create_ext(duckdb_connection connection, const char *catalog,
                                                 const char *schema, const char *table,
                                                 duckdb_table_description *out);
void duckdb_table_description_destroy(duckdb_table_description *table_description);
idx_t duckdb_appender_column_count(duckdb_appender appender);
duckdb_logical_type duckdb_appender_column_type(duckdb_appender appender, idx_t col_idx);
const char *duckdb_appender_error(duckdb_appender appender);
duckdb_state duckdb_appender_flush(duckdb_appender appender);
duckdb_state duckdb_appender_close(duckdb_appender appender);
duckdb_state duckdb_appender_destroy(duckdb_appender *appender);
duckdb_state duckdb_appender_end_row(duckdb_appender appender);
duckdb_state duckdb_append_null(duckdb_appender appender);
duckdb_state duckdb_append_default(duckdb_appender appender);
duckdb_state duckdb_append_varchar_length(duckdb_appender appender, const char *val, idx_t length);
duckdb_state duckdb_append_value(duckdb_appender appender, duckdb_value value);
duckdb_state duckdb_append_bool(duckdb_appender appender, bool value);
duckdb_state duckdb_append_int16(duckdb_appender appender, int16_t value);
duckdb_state duckdb_append_int32(duckdb_appender appender, int32_t value);
duckdb_state duckdb_append_int64(duckdb_appender appender, int64_t value);
duckdb_state duckdb_append_float(duckdb_appender appender, float value);
duckdb_state duckdb_append_double(duckdb_appender appender, double value);

// Functions implemented by Mallard (table and scalar functions over the server's own state).
typedef void (*duckdb_delete_callback_t)(void *data);
typedef struct _duckdb_function_info { void *internal_ptr; } *duckdb_function_info;
typedef struct _duckdb_bind_info { void *internal_ptr; } *duckdb_bind_info;
typedef struct _duckdb_init_info { void *internal_ptr; } *duckdb_init_info;
typedef struct _duckdb_table_function { void *internal_ptr; } *duckdb_table_function;
typedef struct _duckdb_scalar_function { void *internal_ptr; } *duckdb_scalar_function;
typedef void (*duckdb_table_function_bind_t)(duckdb_bind_info info);
typedef void (*duckdb_table_function_init_t)(duckdb_init_info info);
typedef void (*duckdb_table_function_t)(duckdb_function_info info, duckdb_data_chunk output);
typedef void (*duckdb_scalar_function_t)(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output);
duckdb_table_function duckdb_create_table_function();
void duckdb_destroy_table_function(duckdb_table_function *table_function);
void duckdb_table_function_set_name(duckdb_table_function table_function, const char *name);
void duckdb_table_function_set_extra_info(duckdb_table_function table_function, void *extra_info,
                                          duckdb_delete_callback_t destroy);
void duckdb_table_function_set_bind(duckdb_table_function table_function, duckdb_table_function_bind_t bind);
void duckdb_table_function_set_init(duckdb_table_function table_function, duckdb_table_function_init_t init);
void duckdb_table_function_set_function(duckdb_table_function table_function, duckdb_table_function_t function);
duckdb_state duckdb_register_table_function(duckdb_connection con, duckdb_table_function function);
void *duckdb_bind_get_extra_info(duckdb_bind_info info);
void duckdb_bind_add_result_column(duckdb_bind_info info, const char *name, duckdb_logical_type type);
void *duckdb_init_get_extra_info(duckdb_init_info info);
void duckdb_init_set_init_data(duckdb_init_info info, void *init_data, duckdb_delete_callback_t destroy);
void *duckdb_function_get_extra_info(duckdb_function_info info);
void *duckdb_function_get_init_data(duckdb_function_info info);
void duckdb_function_set_error(duckdb_function_info info, const char *error);
duckdb_scalar_function duckdb_create_scalar_function();
void duckdb_destroy_scalar_function(duckdb_scalar_function *scalar_function);
void duckdb_scalar_function_set_name(duckdb_scalar_function scalar_function, const char *name);
void duckdb_scalar_function_set_volatile(duckdb_scalar_function scalar_function);
void duckdb_scalar_function_set_varargs(duckdb_scalar_function scalar_function, duckdb_logical_type type);
void duckdb_scalar_function_set_special_handling(duckdb_scalar_function scalar_function);
void duckdb_scalar_function_add_parameter(duckdb_scalar_function scalar_function, duckdb_logical_type type);
void duckdb_scalar_function_set_return_type(duckdb_scalar_function scalar_function, duckdb_logical_type type);
void duckdb_scalar_function_set_extra_info(duckdb_scalar_function scalar_function, void *extra_info,
                                           duckdb_delete_callback_t destroy);
void duckdb_scalar_function_set_function(duckdb_scalar_function scalar_function, duckdb_scalar_function_t function);
duckdb_state duckdb_register_scalar_function(duckdb_connection con, duckdb_scalar_function scalar_function);
void *duckdb_scalar_function_get_extra_info(duckdb_function_info info);
void duckdb_scalar_function_set_error(duckdb_function_info info, const char *error);
void duckdb_data_chunk_set_size(duckdb_data_chunk chunk, idx_t size);
void duckdb_vector_ensure_validity_writable(duckdb_vector vector);
void duckdb_validity_set_row_invalid(uint64_t *validity, idx_t row);
void duckdb_vector_assign_string_element_len(duckdb_vector vector, idx_t index, const char *str, idx_t str_len);

}  // extern "C"
