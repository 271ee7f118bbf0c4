using System.Text;
using EmailRelay.Api.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace EmailRelay.UnitTests.Api;

/// <summary>The body limit is enforced on what arrives, never on what a header claims.</summary>
public sealed class JsonBodyStreamingTests
{
    private sealed class MaxBodySize : IHttpMaxRequestBodySizeFeature
    {
        public bool IsReadOnly => false;
        public long? MaxRequestBodySize { get; set; } = 30_000_000;
    }

    /// <summary>A body that hands out zeros forever and counts what was read from it.</summary>
    private sealed class EndlessStream : Stream
    {
        public long Served { get; private set; }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            buffer.Span.Fill((byte)' ');
            Served += buffer.Length;
            return ValueTask.FromResult(buffer.Length);
        }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>A body whose transport fails the way Kestrel reports a truncated or malformed one.</summary>
    private sealed class FailingStream(int status) : Stream
    {
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            throw new BadHttpRequestException("Unexpected end of request content.", status);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private static (DefaultHttpContext Context, MaxBodySize Limit) Context(Stream body, string contentType = "application/json", long? contentLength = null)
    {
        var context = new DefaultHttpContext();
        var limit = new MaxBodySize();
        context.Features.Set<IHttpMaxRequestBodySizeFeature>(limit);
        context.Request.Body = body;
        context.Request.ContentType = contentType;
        context.Request.ContentLength = contentLength;
        return (context, limit);
    }

    [Fact]
    public async Task A_chunked_body_over_the_limit_is_413_after_reading_only_just_past_the_limit()
    {
        var body = new EndlessStream();
        var (context, _) = Context(body);

        var result = await JsonBody.ReadAsync(context.Request, 100_000, CancellationToken.None);

        Assert.Equal(StatusCodes.Status413PayloadTooLarge, result.Problem?.StatusCode);
        Assert.InRange(body.Served, 100_001, 100_001);
    }

    [Fact]
    public async Task A_content_length_over_the_limit_is_413_without_reading_anything()
    {
        var body = new EndlessStream();
        var (context, _) = Context(body, contentLength: 1L << 40);

        var result = await JsonBody.ReadAsync(context.Request, 16 * 1024 * 1024, CancellationToken.None);

        Assert.Equal(StatusCodes.Status413PayloadTooLarge, result.Problem?.StatusCode);
        Assert.Equal(0, body.Served);
        var problem = Assert.IsType<HttpValidationProblemDetails>(result.Problem!.ProblemDetails);
        Assert.Contains("16 MiB", Assert.Single(problem.Errors["$"]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_content_length_that_lies_low_costs_only_what_arrives()
    {
        // Claims 1 GB, sends 10 bytes: the buffer follows the bytes, not the header.
        var (context, _) = Context(new MemoryStream("{\"a\": 1}  "u8.ToArray()), contentLength: 10);

        var result = await JsonBody.ReadAsync(context.Request, 1L << 30, CancellationToken.None);

        Assert.Null(result.Problem);
        Assert.Equal(10, result.Body.Length);
    }

    [Fact]
    public async Task Kestrels_own_limit_is_set_to_the_endpoints()
    {
        var (context, limit) = Context(new MemoryStream("{}"u8.ToArray()));

        await JsonBody.ReadAsync(context.Request, 64 * 1024, CancellationToken.None);

        Assert.Equal(64 * 1024 + 1, limit.MaxRequestBodySize);
    }

    [Theory]
    [InlineData(StatusCodes.Status400BadRequest, StatusCodes.Status400BadRequest)]
    [InlineData(StatusCodes.Status408RequestTimeout, StatusCodes.Status408RequestTimeout)]
    [InlineData(StatusCodes.Status413PayloadTooLarge, StatusCodes.Status413PayloadTooLarge)]
    [InlineData(StatusCodes.Status500InternalServerError, StatusCodes.Status400BadRequest)]
    public async Task A_bad_request_from_the_server_while_reading_becomes_a_problem(int thrown, int answered)
    {
        var (context, _) = Context(new FailingStream(thrown));

        var result = await JsonBody.ReadAsync(context.Request, 1024, CancellationToken.None);

        Assert.Equal(answered, result.Problem?.StatusCode);
    }

    [Theory]
    [InlineData("application/json; charset=utf-16")]
    [InlineData("application/json; charset=iso-8859-1")]
    [InlineData("text/plain")]
    public async Task Non_utf8_or_non_json_content_types_are_415(string contentType)
    {
        var (context, _) = Context(new MemoryStream("{}"u8.ToArray()), contentType);

        var result = await JsonBody.ReadAsync(context.Request, 1024, CancellationToken.None);

        Assert.Equal(StatusCodes.Status415UnsupportedMediaType, result.Problem?.StatusCode);
    }

    [Theory]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/json; charset=\"UTF-8\"")]
    [InlineData("application/json;charset=utf8")]
    [InlineData("application/problem+json")]
    public async Task Utf8_json_content_types_are_read(string contentType)
    {
        var (context, _) = Context(new MemoryStream(Encoding.UTF8.GetBytes("{}")), contentType);

        var result = await JsonBody.ReadAsync(context.Request, 1024, CancellationToken.None);

        Assert.Null(result.Problem);
        Assert.Equal(2, result.Body.Length);
    }

    [Fact]
    public async Task An_empty_body_is_read_as_empty_and_parses_to_a_400()
    {
        var (context, _) = Context(new MemoryStream(), contentLength: 0);

        var result = await JsonBody.ReadAsync(context.Request, 1024, CancellationToken.None);

        Assert.Null(result.Problem);
        Assert.False(JsonBody.TryParse<EmailRelay.Api.Emails.SendEmailRequest>(result.Body.Span, out _, out var problem));
        Assert.Equal(StatusCodes.Status400BadRequest, problem!.StatusCode);
    }
}
