namespace LensAI;

/// <summary>The yes/no rules of a <see cref="UsageEventField"/>, as one value for the rows of <see cref="UsageEventFields"/>.</summary>
[Flags]
internal enum UsageEventFieldTraits
{
    None = 0,
    NullableColumn = 1,
    Required = 2,
    SetOnIngest = 4,
    Attribution = 8,
    Redacted = 16,
}
