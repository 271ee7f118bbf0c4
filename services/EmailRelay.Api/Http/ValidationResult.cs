namespace EmailRelay.Api.Http;

/// <summary>A validated value, or the errors that stopped it.</summary>
public sealed class ValidationResult<T> where T : class
{
    private ValidationResult(T? value, ValidationErrors? errors) => (Value, Errors) = (value, errors);

    public T? Value { get; }
    public ValidationErrors? Errors { get; }
    public bool IsValid => Value is not null;

    public static ValidationResult<T> Valid(T value) => new(value, null);
    public static ValidationResult<T> Invalid(ValidationErrors errors) => new(null, errors);
}
