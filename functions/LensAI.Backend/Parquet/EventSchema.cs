namespace LensAI.Backend.Parquet;

/// <summary>
/// The Parquet layout of stored events, generated from the contract's one table of fields
/// (<see cref="UsageEventFields.All"/>, in its order) plus two backend columns: <c>cost_source</c> and <c>ingested_at</c>.
/// </summary>
internal static class EventSchema
{
    /// <summary>The backend's own columns, after the contract's: where the stored cost came from, and when the event was stored.</summary>
    private static readonly (string Name, string Type, bool Nullable)[] s_backendColumns =
    [
        ("cost_source", "VARCHAR", true),
        ("ingested_at", "TIMESTAMPTZ", false),
    ];

    /// <summary>
    /// Staging table columns, one per field and backend column. A map field (<c>metadata</c>) is staged as JSON text in
    /// <c>&lt;name&gt;_json VARCHAR</c>; <see cref="SelectStored"/> turns it into its map type in the Parquet file.
    /// </summary>
    public static readonly string StagingColumns = string.Join(",\n",
        UsageEventFields.All.Select(f => Column(IsMap(f) ? f.Name + "_json" : f.Name, IsMap(f) ? "VARCHAR" : f.ColumnType, f.IsNullable))
            .Concat(s_backendColumns.Select(c => Column(c.Name, c.Type, c.Nullable))));

    /// <summary>The SELECT list that turns the staging table into the stored layout.</summary>
    public static readonly string SelectStored = string.Join(", ",
        UsageEventFields.All.Select(f => IsMap(f)
                ? $"CASE WHEN {f.Name}_json IS NULL THEN NULL ELSE CAST({f.Name}_json::JSON AS {f.ColumnType}) END AS {f.Name}"
                : f.Name)
            .Concat(s_backendColumns.Select(c => c.Name)));

    /// <summary>Every stored column with its DuckDB type and nullability, in order: the field table's, then the backend's.</summary>
    internal static readonly (string Name, string Type, bool Nullable)[] StoredColumns =
        [.. UsageEventFields.All.Select(f => (f.Name, f.ColumnType, f.IsNullable)), .. s_backendColumns];

    /// <summary>Every stored column, in order.</summary>
    public static readonly string[] Columns = [.. UsageEventFields.All.Select(f => f.Name), .. s_backendColumns.Select(c => c.Name)];

    /// <summary>The stored columns that hold text (the contract's VARCHAR fields and <c>cost_source</c>).</summary>
    public static readonly string[] TextColumns = [.. UsageEventFields.All.Where(f => f.ColumnType == "VARCHAR").Select(f => f.Name), .. s_backendColumns.Where(c => c.Type == "VARCHAR").Select(c => c.Name)];

    /// <summary><c>events/project=&lt;id&gt;/dt=&lt;yyyy-MM-dd&gt;/</c></summary>
    public static string PartitionPrefix(string project, DateOnly day)
        => $"events/project={project}/dt={day:yyyy'-'MM'-'dd}/";

    private static bool IsMap(UsageEventField field) => field.ColumnType.StartsWith("MAP(", StringComparison.Ordinal);

    private static string Column(string name, string type, bool nullable) => nullable ? $"{name} {type}" : $"{name} {type} NOT NULL";
}
