namespace LensAI;

/// <summary>
/// One field of <see cref="UsageEvent"/> as the contract defines it: its JSON property and Parquet column name, its
/// types, and the rules the SDK and the backend apply to it. Every field is in <see cref="UsageEventFields.All"/>.
/// </summary>
public sealed class UsageEventField
{
    private readonly Func<UsageEvent, object?> _getValue;

    internal UsageEventField(string name, string propertyName, Type clrType, string columnType, Func<UsageEvent, object?> getValue,
        UsageEventFieldTraits traits, int? maxLength)
    {
        Name = name;
        PropertyName = propertyName;
        ClrType = clrType;
        ColumnType = columnType;
        _getValue = getValue;
        IsNullable = traits.HasFlag(UsageEventFieldTraits.NullableColumn);
        IsRequired = traits.HasFlag(UsageEventFieldTraits.Required);
        IsSetOnIngest = traits.HasFlag(UsageEventFieldTraits.SetOnIngest);
        IsAttribution = traits.HasFlag(UsageEventFieldTraits.Attribution);
        IsRedacted = traits.HasFlag(UsageEventFieldTraits.Redacted);
        MaxLength = maxLength;
    }

    /// <summary>The JSON property name on the wire and the column name in Parquet (<c>tokens_in</c>).</summary>
    public string Name { get; }

    /// <summary>The name of the <see cref="UsageEvent"/> property that holds the field (<c>TokensIn</c>).</summary>
    public string PropertyName { get; }

    /// <summary>The type of that property (<see cref="int"/>, <see cref="Nullable{T}"/> of <see cref="int"/>, <see cref="string"/>, …).</summary>
    public Type ClrType { get; }

    /// <summary>The column's type in Parquet, as DuckDB names it (<c>VARCHAR</c>, <c>INTEGER</c>, <c>DECIMAL(18,9)</c>, …).</summary>
    public string ColumnType { get; }

    /// <summary>Whether the stored column may be NULL (the field is optional and has no default).</summary>
    public bool IsNullable { get; }

    /// <summary>Whether every event on the wire must carry the field; an event without it is refused on ingest.</summary>
    public bool IsRequired { get; }

    /// <summary>Whether the backend sets the field on ingest (<c>project_id</c>, from the API key): a value in the body is ignored.</summary>
    public bool IsSetOnIngest { get; }

    /// <summary>For text fields: the most characters the backend accepts by default; <see langword="null"/> for other fields.</summary>
    public int? MaxLength { get; }

    /// <summary>Whether the field attributes the call to someone or something (user, route, metadata): what budgets and reports group by.</summary>
    public bool IsAttribution { get; }

    /// <summary>Whether the backend redacts PII and secrets from the field's free text before anything is stored.</summary>
    public bool IsRedacted { get; }

    /// <summary>Returns the field's value in <paramref name="usageEvent"/> (boxed; <see langword="null"/> when unset).</summary>
    public object? GetValue(UsageEvent usageEvent)
    {
        ArgumentNullException.ThrowIfNull(usageEvent);
        return _getValue(usageEvent);
    }

    /// <summary>Returns <see cref="Name"/>.</summary>
    public override string ToString() => Name;
}
