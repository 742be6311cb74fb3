namespace LensAI.Backend.Keys;

/// <summary>The names of <see cref="ApiKeyScopes"/> as stored and typed: <c>ingest</c>, <c>read</c>, <c>admin</c>.</summary>
internal static class ApiKeyScopeNames
{
    private static readonly (ApiKeyScopes Scope, string Name)[] Names = [(ApiKeyScopes.Ingest, "ingest"), (ApiKeyScopes.Read, "read"), (ApiKeyScopes.Admin, "admin")];

    /// <summary>The names of the scopes set in <paramref name="scopes"/>, in a fixed order.</summary>
    public static IReadOnlyList<string> Of(ApiKeyScopes scopes) => [.. Names.Where(n => scopes.HasFlag(n.Scope)).Select(n => n.Name)];

    /// <summary>
    /// Parses names separated by commas (and repeated values): <c>ingest,read</c>. False when one is unknown or none
    /// is given; <paramref name="error"/> then says which.
    /// </summary>
    public static bool TryParse(IEnumerable<string> values, out ApiKeyScopes scopes, out string? error)
    {
        scopes = ApiKeyScopes.None;
        error = null;
        foreach (var name in values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            var match = Names.FirstOrDefault(n => string.Equals(n.Name, name, StringComparison.OrdinalIgnoreCase));
            if (match.Name is null)
            {
                error = $"'{(name.Length > 40 ? name[..40] + "…" : name)}' is not a scope: use ingest, read or admin.";
                return false;
            }

            scopes |= match.Scope;
        }

        if (scopes == ApiKeyScopes.None)
        {
            error = "Give at least one scope: ingest, read or admin.";
            return false;
        }

        return true;
    }

    /// <summary>Whether <paramref name="granted"/> allows an endpoint that requires <paramref name="required"/> (admin includes read).</summary>
    public static bool Allows(ApiKeyScopes granted, ApiKeyScopes required)
    {
        var effective = granted.HasFlag(ApiKeyScopes.Admin) ? granted | ApiKeyScopes.Read : granted;
        return required != ApiKeyScopes.None && (effective & required) == required;
    }
}
