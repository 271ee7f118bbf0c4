using Npgsql;

namespace EmailRelay.Data;

/// <summary>
/// Group commit (issue 11): work items that arrive while earlier ones are being written wait, and
/// are then written together by one statement and one commit. With nothing in flight an item is
/// written at once, so nothing waits for company; under load each statement carries what queued
/// behind the one before. PostgreSQL's cost per statement (planning, locks, executor start, the
/// commit's WAL flush) is then paid once per group instead of once per item. Every caller still
/// gets its answer only after the commit that holds its item.
///
/// Npgsql batches statements only for one caller (NpgsqlBatch), and PostgreSQL shares a WAL flush
/// between concurrent commits but still plans and executes each statement: hence this class.
/// </summary>
/// <param name="write">Writes a group in one statement; its result is given to every item of the group.</param>
/// <param name="sizeOf">An item's share of <paramref name="maxSize"/> (rows it writes); an item is never split.</param>
/// <param name="maxInFlight">Statements at once: while they run, the next group queues.</param>
/// <param name="onSplit">Told the group's size and the error when a group is written again item by item.</param>
public sealed class GroupCommit<TItem, TResult>(
    Func<IReadOnlyList<TItem>, Task<TResult>> write, Func<TItem, int> sizeOf, int maxInFlight, int maxSize,
    Action<int, PostgresException>? onSplit = null)
{
    private readonly Lock _lock = new();
    private readonly Queue<Pending> _queue = new();
    private int _inFlight;

    private sealed record Pending(TItem Item, TaskCompletionSource<TResult> Written);

    /// <summary>
    /// Writes <paramref name="item"/> with whatever else is queued; completes after the commit. A
    /// group whose statement fails with a data or constraint error (SQLSTATE class 22 or 23: one
    /// item's values) is written again one item at a time, so only the item at fault sees the error.
    /// No cancellation: once the statement is on its way the item may be written.
    /// </summary>
    public Task<TResult> WriteAsync(TItem item)
    {
        var pending = new Pending(item, new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        List<Pending>? group;
        lock (_lock)
        {
            _queue.Enqueue(pending);
            group = TakeGroup();
        }
        if (group is not null)
        {
            _ = RunAsync(group);
        }
        return pending.Written.Task;
    }

    // Under _lock.
    private List<Pending>? TakeGroup()
    {
        if (_inFlight >= maxInFlight || _queue.Count == 0)
        {
            return null;
        }
        _inFlight++;
        var group = new List<Pending> { _queue.Dequeue() };
        var size = sizeOf(group[0].Item);
        while (_queue.TryPeek(out var next) && size + sizeOf(next.Item) <= maxSize)
        {
            group.Add(_queue.Dequeue());
            size += sizeOf(next.Item);
        }
        return group;
    }

    private async Task RunAsync(List<Pending> group)
    {
        try
        {
            await WriteGroupAsync(group);
        }
        finally
        {
            List<Pending>? next;
            lock (_lock)
            {
                _inFlight--;
                next = TakeGroup();
            }
            if (next is not null)
            {
                _ = RunAsync(next);
            }
        }
    }

    private async Task WriteGroupAsync(List<Pending> group)
    {
        try
        {
            var result = await write(group.Select(p => p.Item).ToList());
            foreach (var pending in group)
            {
                pending.Written.SetResult(result);
            }
        }
        catch (PostgresException ex) when (group.Count > 1 && IsItemFault(ex))
        {
            onSplit?.Invoke(group.Count, ex);
            foreach (var pending in group)
            {
                await WriteAloneAsync(pending);
            }
        }
        catch (Exception ex)
        {
            // The database is down, or the statement failed for every item alike.
            foreach (var pending in group)
            {
                pending.Written.SetException(ex);
            }
        }
    }

    private async Task WriteAloneAsync(Pending pending)
    {
        try
        {
            pending.Written.SetResult(await write([pending.Item]));
        }
        catch (Exception ex)
        {
            pending.Written.SetException(ex);
        }
    }

    private static bool IsItemFault(PostgresException ex) =>
        ex.SqlState.StartsWith("22", StringComparison.Ordinal) || ex.SqlState.StartsWith("23", StringComparison.Ordinal);
}
