using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using EmailRelay.Api.Submission;
using SmtpServer;
using SmtpServer.IO;
using SmtpServer.Mail;
using SmtpServer.Protocol;

namespace EmailRelay.UnitTests.Api;

public sealed class SubmissionSessionInputTests
{
    private readonly Pipe _client = new();
    private readonly FakeSession _session = new();
    private readonly CancellationTokenSource _draining = new();
    private int _closings;

    private SessionInput Input() => new(_session, () => _client.Reader, _draining.Token, _ =>
    {
        _closings++;
        return ValueTask.CompletedTask;
    });

    [Fact]
    public async Task Before_the_drain_input_passes_through()
    {
        var input = Input();
        await _client.Writer.WriteAsync(Encoding.ASCII.GetBytes("NOOP\r\n"));

        var read = await input.ReadAsync();

        Assert.Equal("NOOP\r\n", Encoding.ASCII.GetString(read.Buffer.ToArray()));
        Assert.False(read.IsCompleted);
        Assert.Equal(0, _closings);
    }

    [Fact]
    public async Task A_session_waiting_for_a_command_when_the_drain_begins_is_told_and_ends()
    {
        var input = Input();
        var waiting = input.ReadAsync().AsTask();
        Assert.False(waiting.IsCompleted);

        await _draining.CancelAsync();
        var read = await waiting.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(read.IsCompleted);
        Assert.True(read.Buffer.IsEmpty);
        Assert.Equal(1, _closings);
        Assert.True((await input.ReadAsync()).IsCompleted);
        Assert.Equal(1, _closings);
    }

    [Fact]
    public async Task A_transaction_is_read_to_its_end_and_the_session_ends_after_it()
    {
        var input = Input();
        _session.Executed(new MailCommand(new Mailbox("app", "acme.example"), new Dictionary<string, string>()));
        await _draining.CancelAsync();

        await _client.Writer.WriteAsync(Encoding.ASCII.GetBytes("Subject: x\r\n\r\nbody\r\n.\r\n"));
        var data = await input.ReadAsync();
        Assert.False(data.IsCompleted);
        Assert.Equal("Subject: x\r\n\r\nbody\r\n.\r\n", Encoding.ASCII.GetString(data.Buffer.ToArray()));
        input.AdvanceTo(data.Buffer.End);
        Assert.Equal(0, _closings);

        _session.Executed(new DataCommand());
        Assert.True((await input.ReadAsync()).IsCompleted);
        Assert.Equal(1, _closings);
    }

    [Fact]
    public async Task After_a_reply_that_closes_the_session_the_next_read_ends_it_without_another_reply()
    {
        var input = Input();
        await _client.Writer.WriteAsync(Encoding.ASCII.GetBytes("QUIT\r\n"));

        SubmissionSession.CloseAfterReply(_session, SubmissionReplies.Unavailable);
        var read = await input.ReadAsync();

        Assert.True(read.IsCompleted);
        Assert.True(read.Buffer.IsEmpty);
        Assert.Equal(0, _closings);
    }

    [Fact]
    public async Task Rset_ends_the_transaction()
    {
        var input = Input();
        _session.Executed(new MailCommand(new Mailbox("app", "acme.example"), new Dictionary<string, string>()));
        _session.Executed(new RsetCommand());
        await _draining.CancelAsync();

        Assert.True((await input.ReadAsync()).IsCompleted);
        Assert.Equal(1, _closings);
    }

    private sealed class FakeSession : ISessionContext
    {
        public Guid SessionId { get; } = Guid.NewGuid();
        public IServiceProvider ServiceProvider => throw new NotSupportedException();
        public ISmtpServerOptions ServerOptions => throw new NotSupportedException();
        public IEndpointDefinition EndpointDefinition => throw new NotSupportedException();
        public ISecurableDuplexPipe Pipe => throw new NotSupportedException();
        public AuthenticationContext Authentication => AuthenticationContext.Unauthenticated;
        public IDictionary<string, object> Properties { get; } = new Dictionary<string, object>();

        public event EventHandler<SmtpCommandEventArgs>? CommandExecuted;

        // The reader listens to CommandExecuted only.
        public event EventHandler<SmtpCommandEventArgs>? CommandExecuting { add { } remove { } }
        public event EventHandler<SmtpResponseExceptionEventArgs>? ResponseException { add { } remove { } }
        public event EventHandler<EventArgs>? SessionAuthenticated { add { } remove { } }

        public void Executed(SmtpCommand command) => CommandExecuted?.Invoke(this, new SmtpCommandEventArgs(this, command));
    }
}
