using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace EmailRelay.Api.Http;

/// <summary>RFC 9457 problem documents for the places that answer before a handler runs.</summary>
public static class Problems
{
    public static Task Write(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        return problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = Printable(detail) },
        }).AsTask();
    }

    public static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail: Printable(detail), statusCode: status, title: title);

    public static ProblemHttpResult Validation(Dictionary<string, string[]> errors, string? detail = null) =>
        TypedResults.Problem(new HttpValidationProblemDetails(Printable(errors))
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The request is invalid.",
            Detail = detail ?? "See errors for each field.",
        });

    public static ProblemHttpResult Field(string field, string message, int status = StatusCodes.Status400BadRequest) =>
        TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { [Printable(field)] = [Printable(message)] })
        {
            Status = status,
            Title = status == StatusCodes.Status413PayloadTooLarge ? "The request is too large." : "The request is invalid.",
            Detail = Printable(message),
        });

    /// <summary>
    /// Field names and messages echo what the client sent (a metadata key, an address). A lone
    /// surrogate cannot be written as JSON at all and a control character is unreadable, so both
    /// are shown as \uXXXX escapes: the problem document itself must never be the thing that fails.
    /// </summary>
    public static string Printable(string value)
    {
        if (!NeedsEscaping(value))
        {
            return value;
        }
        var text = new StringBuilder(value.Length + 16);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                text.Append(c).Append(value[++i]);
            }
            else if (char.IsControl(c) || char.IsSurrogate(c))
            {
                text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                text.Append(c);
            }
        }
        return text.ToString();
    }

    private static bool NeedsEscaping(string value)
    {
        foreach (var c in value)
        {
            if (char.IsControl(c) || char.IsSurrogate(c))
            {
                return true;
            }
        }
        return false;
    }

    private static Dictionary<string, string[]> Printable(Dictionary<string, string[]> errors)
    {
        var printable = new Dictionary<string, string[]>(errors.Count, StringComparer.Ordinal);
        foreach (var (field, messages) in errors)
        {
            // Two keys differing only in unprintable characters become one entry with both messages.
            var key = Printable(field);
            var escaped = messages.Select(Printable);
            printable[key] = printable.TryGetValue(key, out var existing) ? [.. existing, .. escaped] : [.. escaped];
        }
        return printable;
    }
}
