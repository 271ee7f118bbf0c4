using Npgsql;

namespace EmailRelay.Data;

/// <summary>
/// The two builders every store uses (<c>using static</c>): a typed parameter — no boxing, and
/// the PostgreSQL type comes from the CLR type, never guessed from the value — and a batch command.
/// </summary>
public static class NpgsqlShorthand
{
    public static NpgsqlParameter<T> P<T>(T value) => new() { TypedValue = value };

    public static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }
}
