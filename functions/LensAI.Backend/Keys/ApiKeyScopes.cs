namespace LensAI.Backend.Keys;

/// <summary>
/// What a project API key may do. <see cref="Ingest"/>: send events and poll the kill-switch (what the SDK holds);
/// <see cref="Read"/>: the report, the dashboard, exports, the budgets file; <see cref="Admin"/>: change budgets,
/// override, raise or reset them, read the audit log (admin includes read). A key stored before scopes existed has
/// none recorded and keeps every scope until it is rotated (<see cref="ApiKeyRecord.EffectiveScopes"/>).
/// </summary>
[Flags]
internal enum ApiKeyScopes
{
    /// <summary>Nothing (never granted: a key has at least one scope).</summary>
    None = 0,

    /// <summary><c>POST /v1/events</c>, <c>GET /v1/budgets/status</c>.</summary>
    Ingest = 1,

    /// <summary>Reports, the dashboard, exports, <c>GET /v1/budgets</c>.</summary>
    Read = 2,

    /// <summary>Budget changes, overrides, raises, resets, the audit log. Includes <see cref="Read"/>.</summary>
    Admin = 4,

    /// <summary>Every scope (what a key without recorded scopes has).</summary>
    All = Ingest | Read | Admin,
}
