using System.Text;
using EmailRelay.IntegrationTests.Infrastructure;
using EmailRelay.IntegrationTests.Submission;

namespace EmailRelay.IntegrationTests.Faults;

/// <summary>
/// PostgreSQL goes away in the middle of an SMTP submission: the client is told 421 4.7.0 after its
/// DATA and the session is closed, so it keeps the message and sends it again; nothing is half
/// stored; once the database is back, the same message is accepted and delivered.
/// </summary>
public sealed class SubmissionDatabaseDownTests
{
    [Fact]
    public async Task Database_down_at_the_end_of_DATA_is_told_421_and_the_retry_is_delivered()
    {
        await using var stack = await RelayStack.StartWithSubmissionAsync("submission-db-down");
        var key = await stack.CreateKeyAsync("db-down", "emails:send");
        var to = Emails.Unique("db-down");
        var message = Encoding.ASCII.GetBytes($"From: app@acme.example\r\nTo: {to}\r\nSubject: While the database is down\r\n\r\nHello\r\n");

        await using (var dialog = await SmtpDialog.AuthenticatedAsync(stack.SubmissionPort, key))
        {
            Assert.StartsWith("250", await dialog.CommandAsync("MAIL FROM:<app@acme.example>"), StringComparison.Ordinal);
            Assert.StartsWith("250", await dialog.CommandAsync($"RCPT TO:<{to}>"), StringComparison.Ordinal);
            try
            {
                await SharedServers.StopPostgresAsync();
                Assert.StartsWith("421 4.7.0", await dialog.DataAsync(message), StringComparison.Ordinal);
                Assert.Equal("", await dialog.ReadReplyAsync());   // and the session is closed
            }
            finally
            {
                await SharedServers.StartPostgresAsync();
            }
        }

        await stack.WaitUntilAsync(async () =>
        {
            try
            {
                return await stack.Database.ScalarAsync<long>("SELECT count(*) FROM recipients WHERE address = $1", to) == 0;
            }
            catch (Npgsql.NpgsqlException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(30), "the database to answer again");
        Assert.Equal(0, await stack.Database.ScalarAsync<long>("SELECT count(*) FROM messages WHERE subject = 'While the database is down'"));

        // The client's retry, as an MTA's queue would make it.
        Guid id = default;
        await stack.WaitUntilAsync(async () =>
        {
            await using var retry = await SmtpDialog.AuthenticatedAsync(stack.SubmissionPort, key);
            await retry.CommandAsync("MAIL FROM:<app@acme.example>");
            await retry.CommandAsync($"RCPT TO:<{to}>");
            var reply = await retry.DataAsync(message);
            if (!reply.StartsWith("250", StringComparison.Ordinal))
            {
                return false;
            }
            id = SubmissionReply.QueuedId(reply);
            return true;
        }, TimeSpan.FromSeconds(30), "the retry to be accepted");
        await stack.WaitForStatusAsync(id, "delivered");
        Assert.Single(stack.Smtp.Messages, m => m.Recipients.Contains(to));
    }
}
