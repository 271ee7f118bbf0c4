namespace EmailRelay.Classification;

/// <summary>
/// The rule families of the rules table, in the order they are consulted. Within a family the
/// first matching row wins; a row's position in the file only matters relative to rows of the
/// same family.
/// </summary>
internal enum RuleKind
{
    /// <summary>A specific enhanced status code (5.1.1, 5.2.2): decides on its own, text is not read.</summary>
    Enhanced,

    /// <summary>A case-insensitive regex over the reply text.</summary>
    Text,

    /// <summary>
    /// A broad enhanced code (X.7.1, X.2.0 …) that servers use for many causes: it only applies
    /// when no text row matched, so the text can refine it.
    /// </summary>
    Generic,

    /// <summary>The basic three-digit reply code: the last resort when nothing else matched.</summary>
    Reply,
}
