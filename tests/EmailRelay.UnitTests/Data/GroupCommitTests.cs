using EmailRelay.Data;
using Npgsql;

namespace EmailRelay.UnitTests.Data;

public sealed class GroupCommitTests
{
    /// <summary>A write delegate that records each group and holds it until released.</summary>
    private sealed class Writes
    {
        public List<int[]> Groups { get; } = [];
        public TaskCompletionSource Gate { get; set; } = CompletedGate();

        public async Task<int> WriteAsync(IReadOnlyList<int> items)
        {
            lock (Groups)
            {
                Groups.Add([.. items]);
            }
            await Gate.Task;
            return items.Sum();
        }

        private static TaskCompletionSource CompletedGate()
        {
            var gate = new TaskCompletionSource();
            gate.SetResult();
            return gate;
        }
    }

    [Fact]
    public async Task An_item_with_nothing_in_flight_is_written_at_once_and_alone()
    {
        var writes = new Writes();
        var commit = new GroupCommit<int, int>(writes.WriteAsync, _ => 1, maxInFlight: 1, maxSize: 100);

        Assert.Equal(7, await commit.WriteAsync(7));

        Assert.Equal([[7]], writes.Groups);
    }

    [Fact]
    public async Task Items_that_arrive_while_a_statement_runs_are_written_together_by_the_next()
    {
        var writes = new Writes { Gate = new TaskCompletionSource() };
        var commit = new GroupCommit<int, int>(writes.WriteAsync, _ => 1, maxInFlight: 1, maxSize: 100);

        var first = commit.WriteAsync(1);
        var queued = Enumerable.Range(2, 5).Select(commit.WriteAsync).ToList();
        Assert.Equal([[1]], writes.Groups);
        Assert.All(queued, t => Assert.False(t.IsCompleted));
        writes.Gate.SetResult();

        Assert.Equal(1, await first);
        // Every item of the second group gets that group's result: 2+3+4+5+6.
        Assert.All(await Task.WhenAll(queued), r => Assert.Equal(20, r));
        Assert.Equal([[1], [2, 3, 4, 5, 6]], writes.Groups);
    }

    [Fact]
    public async Task A_group_never_exceeds_the_size_limit_and_never_splits_an_item()
    {
        var writes = new Writes { Gate = new TaskCompletionSource() };
        var commit = new GroupCommit<int, int>(writes.WriteAsync, item => item, maxInFlight: 1, maxSize: 5);

        var all = new[] { 1, 3, 2, 4, 9 }.Select(commit.WriteAsync).ToList();
        writes.Gate.SetResult();
        await Task.WhenAll(all);

        // 1 alone (nothing was in flight), then 3+2 = 5, then 4, then 9: larger than the limit, but whole.
        Assert.Equal([[1], [3, 2], [4], [9]], writes.Groups);
    }

    [Fact]
    public async Task At_most_max_in_flight_statements_run_at_once()
    {
        var writes = new Writes { Gate = new TaskCompletionSource() };
        var commit = new GroupCommit<int, int>(writes.WriteAsync, _ => 1, maxInFlight: 2, maxSize: 100);

        var all = Enumerable.Range(1, 6).Select(commit.WriteAsync).ToList();
        Assert.Equal([[1], [2]], writes.Groups);
        writes.Gate.SetResult();
        await Task.WhenAll(all);

        Assert.Equal(6, writes.Groups.Sum(g => g.Length));
        Assert.Equal([3, 4, 5, 6], writes.Groups.Skip(2).SelectMany(g => g).Order());
    }

    [Theory]
    [InlineData("22P05")]   // untranslatable character: one item's text
    [InlineData("23505")]   // unique violation: one item's key
    public async Task A_data_error_fails_only_the_item_at_fault_the_others_are_written_alone(string sqlState)
    {
        var writes = new List<int[]>();
        var gate = new TaskCompletionSource();
        var commit = new GroupCommit<int, int>(async items =>
        {
            lock (writes)
            {
                writes.Add([.. items]);
            }
            await gate.Task;
            return items.Contains(13) ? throw new PostgresException("bad value", "ERROR", "ERROR", sqlState) : items.Sum();
        }, _ => 1, maxInFlight: 1, maxSize: 100);

        var first = commit.WriteAsync(1);
        var group = new[] { 12, 13, 14 }.Select(commit.WriteAsync).ToList();
        gate.SetResult();
        await first;

        Assert.Equal(12, await group[0]);
        Assert.Equal(sqlState, (await Assert.ThrowsAsync<PostgresException>(() => group[1])).SqlState);
        Assert.Equal(14, await group[2]);
        Assert.Equal([[1], [12, 13, 14], [12], [13], [14]], writes);
    }

    [Fact]
    public async Task Any_other_failure_fails_every_item_of_the_group_and_the_next_group_still_runs()
    {
        var calls = 0;
        var commit = new GroupCommit<int, int>(items =>
            Interlocked.Increment(ref calls) == 1 ? throw new NpgsqlException("connection refused") : Task.FromResult(items.Sum()),
            _ => 1, maxInFlight: 1, maxSize: 100);

        await Assert.ThrowsAsync<NpgsqlException>(() => commit.WriteAsync(1));

        Assert.Equal(2, await commit.WriteAsync(2));
    }
}
