namespace EmailRelay.Api.Emails;

/// <summary>Field path → messages, the shape of a problem document's <c>errors</c>.</summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public int Count => _errors.Count;

    public bool Has(string field) => _errors.ContainsKey(field);

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var messages))
        {
            _errors[field] = messages = [];
        }
        messages.Add(message);
    }

    public Dictionary<string, string[]> ToDictionary() =>
        _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
}

public sealed class ValidationResult<T> where T : class
{
    private ValidationResult(T? value, ValidationErrors? errors) => (Value, Errors) = (value, errors);

    public T? Value { get; }
    public ValidationErrors? Errors { get; }
    public bool IsValid => Value is not null;

    public static ValidationResult<T> Valid(T value) => new(value, null);
    public static ValidationResult<T> Invalid(ValidationErrors errors) => new(null, errors);
}
