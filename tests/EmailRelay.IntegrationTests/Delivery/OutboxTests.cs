using EmailRelay.Data;
using EmailRelay.IntegrationTests.Infrastructure;

namespace EmailRelay.IntegrationTests.Delivery;

/// <summary>The outbox rules of <see cref="Outbox"/> on a real PostgreSQL, one transition at a time.</summary>
public sealed class OutboxTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 29, 14, 0, 0, TimeSpan.Zero);
    private static readonly OutboxOptions Options = new()
    {
        PublishRetryDelay = TimeSpan.FromSeconds(5),
        ClaimTimeout = TimeSpan.FromSeconds(30),
        ErrorQueueRequeueDelay = TimeSpan.FromSeconds(10),
    };

    private TestDatabase _database = null!;
    private Outbox _outbox = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _outbox = new Outbox(_database.DataSource, Microsoft.Extensions.Options.Options.Create(Options));
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    private async Task<Guid> InsertAsync(DispatchState state, string status = "queued")
    {
        var id = Guid.CreateVersion7();
        await using var command = _database.DataSource.CreateCommand("""
            WITH m AS (
                INSERT INTO messages (id, envelope_from, from_header, subject, message_id_header, created_at, expires_at, size_bytes, project_id)
                VALUES ($1, 'b@x.example', 'a@x.example', 's', '<m@x>', $2, $2 + interval '3 days', 1, $4)
                RETURNING id
            )
            INSERT INTO message_states (message_id, status, next_dispatch_at, dispatched_at) SELECT id, $3, $5, $6 FROM m
            """);
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(T0);
        command.Parameters.AddWithValue(status);
        command.Parameters.AddWithValue(ProjectIds.Default);
        command.Parameters.AddWithValue((object?)state.NextDispatchAt ?? DBNull.Value);
        command.Parameters.AddWithValue((object?)state.DispatchedAt ?? DBNull.Value);
        await command.ExecuteNonQueryAsync();
        return id;
    }

    private async Task<DispatchState> StateAsync(Guid id)
    {
        await using var command = _database.DataSource.CreateCommand("SELECT next_dispatch_at, dispatched_at FROM message_states WHERE message_id = $1");
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return new DispatchState(reader.IsDBNull(0) ? null : reader.GetFieldValue<DateTimeOffset>(0),
            reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1));
    }

    [Fact]
    public async Task A_confirmed_publish_is_never_republished_however_long_the_command_waits_in_the_queue()
    {
        var id = await InsertAsync(Outbox.AtAccept(null, publishing: false, T0));

        Assert.Equal([id], await _outbox.ClaimDueAsync(T0, 10, CancellationToken.None));
        await _outbox.MarkPublishedAsync([id], T0, CancellationToken.None);

        Assert.Equal(new DispatchState(null, T0), await StateAsync(id));
        Assert.Empty(await _outbox.ClaimDueAsync(T0.AddDays(2), 10, CancellationToken.None));
    }

    [Fact]
    public async Task A_claim_the_dispatcher_never_settled_comes_due_after_the_claim_timeout()
    {
        var id = await InsertAsync(Outbox.AtAccept(null, publishing: false, T0));
        await _outbox.ClaimDueAsync(T0, 10, CancellationToken.None);

        Assert.Empty(await _outbox.ClaimDueAsync(T0 + Options.ClaimTimeout - TimeSpan.FromSeconds(1), 10, CancellationToken.None));
        Assert.Equal([id], await _outbox.ClaimDueAsync(T0 + Options.ClaimTimeout, 10, CancellationToken.None));
    }

    [Fact]
    public async Task A_refused_publish_is_due_again_after_the_back_off()
    {
        var id = await InsertAsync(Outbox.AtAccept(null, publishing: true, T0));
        await _outbox.MarkPublishFailedAsync([id], T0, T0, CancellationToken.None);

        Assert.Equal(new DispatchState(T0 + Options.PublishRetryDelay, null), await StateAsync(id));
        Assert.Empty(await _outbox.ClaimDueAsync(T0 + TimeSpan.FromSeconds(4), 10, CancellationToken.None));
        Assert.Equal([id], await _outbox.ClaimDueAsync(T0 + Options.PublishRetryDelay, 10, CancellationToken.None));
    }

    [Fact]
    public async Task Settling_a_claim_leaves_a_message_a_consumer_already_took_as_the_consumer_set_it()
    {
        var id = await InsertAsync(Outbox.AtAccept(null, publishing: false, T0));
        await _outbox.ClaimDueAsync(T0, 10, CancellationToken.None);
        // The consumer leased it before the confirm was recorded.
        var leasedUntil = T0.AddSeconds(15);
        await using (var lease = _database.DataSource.CreateCommand($"UPDATE message_states SET {Outbox.Leased("$2")} WHERE message_id = $1"))
        {
            lease.Parameters.AddWithValue(id);
            lease.Parameters.AddWithValue(leasedUntil);
            await lease.ExecuteNonQueryAsync();
        }

        await _outbox.MarkPublishedAsync([id], T0, CancellationToken.None);
        await _outbox.MarkPublishFailedAsync([id], T0, T0, CancellationToken.None);

        Assert.Equal(new DispatchState(leasedUntil, null), await StateAsync(id));
    }

    [Fact]
    public async Task Only_commands_handed_over_before_the_queue_went_idle_and_never_taken_are_lost()
    {
        var lost = await InsertAsync(new DispatchState(null, T0));
        var recent = await InsertAsync(new DispatchState(null, T0.AddMinutes(2)));
        var leased = await InsertAsync(new DispatchState(T0.AddMinutes(5), null), "sending");
        var final = await InsertAsync(new DispatchState(null, T0), "delivered");

        var claimed = await _outbox.ClaimLostAsync(T0.AddMinutes(1), T0.AddMinutes(3), 10, CancellationToken.None);

        Assert.Equal([lost], claimed);
        Assert.Equal(new DispatchState(T0.AddMinutes(3) + Options.ClaimTimeout, T0.AddMinutes(3)), await StateAsync(lost));
        Assert.Equal(new DispatchState(null, T0.AddMinutes(2)), await StateAsync(recent));
        Assert.Equal(new DispatchState(T0.AddMinutes(5), null), await StateAsync(leased));
        Assert.Equal(new DispatchState(null, T0), await StateAsync(final));
    }

    [Fact]
    public async Task A_command_from_the_error_queue_makes_a_pending_message_due_and_leaves_a_final_one_alone()
    {
        var pending = await InsertAsync(new DispatchState(null, T0));
        var retrySoon = await InsertAsync(new DispatchState(T0.AddSeconds(2), null), "deferred");
        var final = await InsertAsync(new DispatchState(null, null), "bounced");

        Assert.True(await _outbox.RequeueFromErrorQueueAsync(pending, T0, CancellationToken.None));
        Assert.True(await _outbox.RequeueFromErrorQueueAsync(retrySoon, T0, CancellationToken.None));
        Assert.False(await _outbox.RequeueFromErrorQueueAsync(final, T0, CancellationToken.None));

        Assert.Equal(new DispatchState(T0 + Options.ErrorQueueRequeueDelay, null), await StateAsync(pending));
        Assert.Equal(new DispatchState(T0.AddSeconds(2), null), await StateAsync(retrySoon));
        Assert.Equal(new DispatchState(null, null), await StateAsync(final));
    }
}
