namespace EmailRelay.Classification;

/// <summary>A rules table could not be loaded; <see cref="LineNumber"/> points at the culprit (1-based, 0 for the whole table).</summary>
public sealed class RulesFormatException : FormatException
{
    public RulesFormatException()
    {
    }

    public RulesFormatException(string message)
        : base(message)
    {
    }

    public RulesFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public RulesFormatException(int lineNumber, string message, Exception? innerException = null)
        : base(lineNumber > 0 ? $"Bounce rules line {lineNumber}: {message}" : $"Bounce rules: {message}", innerException)
    {
        LineNumber = lineNumber;
    }

    public int LineNumber { get; }
}
