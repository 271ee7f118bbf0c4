using Dapper;
using Npgsql;

namespace EmailRelay.Api.Bounces;

/// <summary>Reads <c>unmatched_bounces</c>: mail to the bounce domain that matched no email and recipient.</summary>
public sealed class UnmatchedBounceQueries(NpgsqlDataSource dataSource)
{
    private const string Columns = """
        id, project_id, received_at, remote_ip, envelope_from, envelope_to, subject, format, reason, report::text AS report, octet_length(raw) AS size
        """;

    /// <summary>Newest first; <paramref name="project"/> null lists every project's and those of no known project.</summary>
    public async Task<List<UnmatchedBounceRow>> ListAsync(Guid? project, Guid? after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<UnmatchedBounceRow>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM unmatched_bounces
            WHERE (@project::uuid IS NULL OR project_id = @project) AND (@after::uuid IS NULL OR id < @after)
            ORDER BY id DESC LIMIT @limit
            """, new { project, after, limit = limit + 1 }, cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>One unmatched bounce with the message as received; null when absent or outside <paramref name="project"/>.</summary>
    public async Task<(UnmatchedBounceRow Row, byte[] Raw)?> GetAsync(Guid id, Guid? project, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<UnmatchedBounceWithRaw>(new CommandDefinition(
            $"SELECT {Columns}, raw FROM unmatched_bounces WHERE id = @id AND (@project::uuid IS NULL OR project_id = @project)",
            new { id, project }, cancellationToken: cancellationToken));
        return row is null ? null : (row.ToRow(), row.Raw);
    }

    private sealed record UnmatchedBounceWithRaw(Guid Id, Guid? ProjectId, DateTime ReceivedAt, string? RemoteIp, string EnvelopeFrom,
        string EnvelopeTo, string? Subject, string? Format, string? Reason, string Report, int Size, byte[] Raw)
    {
        public UnmatchedBounceRow ToRow() =>
            new(Id, ProjectId, ReceivedAt, RemoteIp, EnvelopeFrom, EnvelopeTo, Subject, Format, Reason, Report, Size);
    }
}

public sealed record UnmatchedBounceRow(Guid Id, Guid? ProjectId, DateTime ReceivedAt, string? RemoteIp, string EnvelopeFrom,
    string EnvelopeTo, string? Subject, string? Format, string? Reason, string Report, int Size);
