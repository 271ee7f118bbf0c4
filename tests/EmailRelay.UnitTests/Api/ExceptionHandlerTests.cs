using System.Net.Sockets;
using EmailRelay.Api.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace EmailRelay.UnitTests.Api;

/// <summary>Only a failure that says it may pass is a 503; what the client caused is a 4xx.</summary>
public sealed class ExceptionHandlerTests
{
    private static readonly IServiceProvider Services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();

    private static DefaultHttpContext Context() => new() { RequestServices = Services, Response = { Body = new MemoryStream() } };

    private static PostgresException Postgres(string sqlState) => new("message", "ERROR", "ERROR", sqlState);

    public static TheoryData<string, Exception, bool> Failures => new()
    {
        { "connection refused", new NpgsqlException("connect failed", new SocketException((int)SocketError.ConnectionRefused)), true },
        { "command timeout", new NpgsqlException("timeout", new TimeoutException()), true },
        { "timeout", new TimeoutException(), true },
        { "too many connections", Postgres("53300"), true },
        { "admin shutdown", Postgres("57P01"), true },
        { "NUL in a string", Postgres("22021"), false },
        { "bad unicode escape", Postgres("22P05"), false },
        { "unique violation", Postgres("23505"), false },
        { "syntax error", Postgres("42601"), false },
        { "anything else", new InvalidOperationException(), false },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void Storage_is_unavailable_only_when_the_error_is_transient(string name, Exception exception, bool unavailable)
    {
        Assert.True(unavailable == StorageUnavailableHandler.IsUnavailable(exception), name);
    }

    [Fact]
    public async Task A_data_exception_is_not_a_503()
    {
        var handler = new StorageUnavailableHandler(Services.GetRequiredService<IProblemDetailsService>(), NullLogger<StorageUnavailableHandler>.Instance);
        var context = Context();

        Assert.False(await handler.TryHandleAsync(context, Postgres("22021"), CancellationToken.None));
    }

    [Theory]
    [InlineData("22021")]
    [InlineData("22P05")]
    [InlineData("22001")]
    public async Task A_data_exception_is_a_400_problem(string sqlState)
    {
        var handler = new ClientFaultHandler(Services.GetRequiredService<IProblemDetailsService>(), NullLogger<ClientFaultHandler>.Instance);
        var context = Context();

        Assert.True(await handler.TryHandleAsync(context, Postgres(sqlState), CancellationToken.None));
        Assert.Equal(StatusCodes.Status400BadRequest, context.Response.StatusCode);
    }

    [Theory]
    [InlineData(StatusCodes.Status400BadRequest)]
    [InlineData(StatusCodes.Status408RequestTimeout)]
    [InlineData(StatusCodes.Status413PayloadTooLarge)]
    [InlineData(StatusCodes.Status431RequestHeaderFieldsTooLarge)]
    public async Task A_bad_request_exception_keeps_its_4xx(int status)
    {
        var handler = new ClientFaultHandler(Services.GetRequiredService<IProblemDetailsService>(), NullLogger<ClientFaultHandler>.Instance);
        var context = Context();

        Assert.True(await handler.TryHandleAsync(context, new BadHttpRequestException("bad", status), CancellationToken.None));
        Assert.Equal(status, context.Response.StatusCode);
    }

    [Theory]
    [InlineData("23505")]
    [InlineData("53300")]
    public async Task Other_database_errors_are_left_to_the_other_handlers(string sqlState)
    {
        var handler = new ClientFaultHandler(Services.GetRequiredService<IProblemDetailsService>(), NullLogger<ClientFaultHandler>.Instance);

        Assert.False(await handler.TryHandleAsync(Context(), Postgres(sqlState), CancellationToken.None));
    }
}
