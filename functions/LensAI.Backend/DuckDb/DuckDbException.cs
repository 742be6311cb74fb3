namespace LensAI.Backend.DuckDb;

/// <summary>
/// DuckDB refused something. <see cref="Exception.Message"/> is DuckDB's own error text (for example
/// <c>Catalog Error: Table with name x does not exist!</c>); <see cref="ErrorType"/> is its category where DuckDB
/// reports one (query and appender errors), <see cref="DuckDbErrorType.Invalid"/> otherwise.
/// </summary>
public sealed class DuckDbException : Exception
{
    public DuckDbException()
        : this("DuckDB reported an error.")
    {
    }

    public DuckDbException(string message)
        : this(message, DuckDbErrorType.Invalid)
    {
    }

    public DuckDbException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public DuckDbException(string message, DuckDbErrorType errorType)
        : base(message)
    {
        ErrorType = errorType;
    }

    /// <summary>DuckDB's error category (<c>duckdb_error_type</c>).</summary>
    public DuckDbErrorType ErrorType { get; }
}

// The members mirror DuckDB's own names (DECIMAL, INTEGER, DOUBLE, …), so CA1720 does not apply.
#pragma warning disable CA1720

/// <summary>DuckDB's error categories (<c>duckdb_error_type</c>, same numbers).</summary>
public enum DuckDbErrorType
{
    /// <summary>No category (or not reported).</summary>
    Invalid = 0,
    OutOfRange = 1,
    Conversion = 2,
    UnknownType = 3,
    Decimal = 4,
    MismatchType = 5,
    DivideByZero = 6,
    ObjectSize = 7,
    InvalidType = 8,
    Serialization = 9,
    Transaction = 10,
    NotImplemented = 11,
    Expression = 12,
    Catalog = 13,
    Parser = 14,
    Planner = 15,
    Scheduler = 16,
    Executor = 17,
    Constraint = 18,
    Index = 19,
    Stat = 20,
    Connection = 21,
    Syntax = 22,
    Settings = 23,
    Binder = 24,
    Network = 25,
    Optimizer = 26,
    NullPointer = 27,
    IO = 28,
    Interrupt = 29,
    Fatal = 30,
    Internal = 31,
    InvalidInput = 32,
    OutOfMemory = 33,
    Permission = 34,
    ParameterNotResolved = 35,
    ParameterNotAllowed = 36,
    Dependency = 37,
    Http = 38,
    MissingExtension = 39,
    Autoload = 40,
    Sequence = 41,
    InvalidConfiguration = 42,
}

/// <summary>DuckDB's column types (<c>duckdb_type</c>, same numbers).</summary>
public enum DuckDbType
{
    Invalid = 0,
    Boolean = 1,
    TinyInt = 2,
    SmallInt = 3,
    Integer = 4,
    BigInt = 5,
    UTinyInt = 6,
    USmallInt = 7,
    UInteger = 8,
    UBigInt = 9,
    Float = 10,
    Double = 11,
    Timestamp = 12,
    Date = 13,
    Time = 14,
    Interval = 15,
    HugeInt = 16,
    Varchar = 17,
    Blob = 18,
    Decimal = 19,
    TimestampS = 20,
    TimestampMs = 21,
    TimestampNs = 22,
    Enum = 23,
    List = 24,
    Struct = 25,
    Map = 26,
    Uuid = 27,
    Union = 28,
    Bit = 29,
    TimeTz = 30,
    TimestampTz = 31,
    UHugeInt = 32,
    Array = 33,
    Any = 34,
    BigNum = 35,
    SqlNull = 36,
    StringLiteral = 37,
    IntegerLiteral = 38,
    TimeNs = 39,
    Geometry = 40,
    Variant = 41,
}

#pragma warning restore CA1720
