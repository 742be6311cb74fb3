using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LensAI.Backend.Budgets;
using LensAI.Backend.Http;
using LensAI.Backend.Keys;
using LensAI.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace LensAI.Functions.Tests;

/// <summary>Key scopes, expiry and rotation, enforced by the one guard on the <c>/v1</c> group.</summary>
public sealed class ApiKeyScopeTests
{
    private const string BudgetsJson = """{"time_zone":"UTC","budgets":[{"id":"cap","scope":"project","period":"monthly","amount_usd":10,"action":"block","forecast":false}]}""";

    /// <summary>
    /// The scope each authenticated endpoint must declare. An endpoint mapped under /v1 that is missing here (a new
    /// one) fails the test, as does one whose declared scope differs.
    /// </summary>
    private static readonly Dictionary<string, ApiKeyScopes> Expected = new(StringComparer.Ordinal)
    {
        ["POST v1/events"] = ApiKeyScopes.Ingest,
        ["GET v1/budgets/status"] = ApiKeyScopes.Ingest,
        ["GET v1/budgets"] = ApiKeyScopes.Read,
        ["GET v1/report"] = ApiKeyScopes.Read,
        ["GET v1/export"] = ApiKeyScopes.Read,
        ["PUT v1/budgets"] = ApiKeyScopes.Admin,
        ["POST v1/budgets/{id}/override"] = ApiKeyScopes.Admin,
        ["POST v1/budgets/{id}/raise"] = ApiKeyScopes.Admin,
        ["POST v1/budgets/{id}/reset"] = ApiKeyScopes.Admin,
        ["GET v1/audit"] = ApiKeyScopes.Admin,
    };

    [Fact]
    public async Task Every_mapped_v1_endpoint_declares_its_scope_and_answers_each_kind_of_key_accordingly()
    {
        await using var backend = await TestBackend.StartAsync();

        // A key stored before scopes existed (no "scopes" member), written before any other key.
        var legacy = ApiKey.Create("legacy01", "abcdefghijkmnopqrstuvwxyz2345678");
        var record = new ApiKeyRecord(legacy.Prefix, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(legacy.Value))), "acme", "old", DateTimeOffset.UtcNow, null);
        await backend.Store.PutAsync(ApiKeyStore.ObjectKey, JsonSerializer.SerializeToUtf8Bytes(new KeyFile([record]), KeysJsonContext.Default.KeyFile), CancellationToken.None);
        Assert.DoesNotContain("scopes", Encoding.UTF8.GetString((await backend.Store.GetAsync(ApiKeyStore.ObjectKey, CancellationToken.None))!.Content), StringComparison.Ordinal);

        var keys = new Dictionary<string, (string Key, ApiKeyScopes Scopes)>
        {
            ["ingest"] = (await backend.CreateKeyAsync("acme", "sdk", "ingest"), ApiKeyScopes.Ingest),
            ["read"] = (await backend.CreateKeyAsync("acme", "dashboard", "read"), ApiKeyScopes.Read),
            ["admin"] = (await backend.CreateKeyAsync("acme", "owner", "admin"), ApiKeyScopes.Admin),
            ["legacy"] = (legacy.Value, ApiKeyScopes.All),
        };
        using (var setup = backend.Client(keys["admin"].Key))
        {
            using var put = await setup.PutAsync(new Uri("v1/budgets", UriKind.Relative), new StringContent(BudgetsJson, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        var endpoints = backend.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("v1/", StringComparison.Ordinal) && e.RoutePattern.RawText != LensAIRoutes.SlackActions && e.RoutePattern.RawText != LensAIRoutes.StripeWebhook)
            .SelectMany(e => e.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods.Select(m => (Name: $"{m} {e.RoutePattern.RawText}", Method: m, Endpoint: e)))
            .ToList();
        Assert.Equal(Expected.Keys.Order(StringComparer.Ordinal), endpoints.Select(e => e.Name).Order(StringComparer.Ordinal));

        foreach (var (name, method, endpoint) in endpoints)
        {
            Assert.True(Expected.TryGetValue(name, out var scope), $"{name} is mapped under /v1 but has no expected scope in this test: declare one.");
            var declared = endpoint.Metadata.GetMetadata<RequiredScope>();
            Assert.True(declared is not null, $"{name} declares no RequiredScope.");
            Assert.Equal(scope, declared.Scope);
            Assert.NotNull(endpoint.Metadata.GetMetadata<BodyLimit>());

            foreach (var (kind, (key, granted)) in keys)
            {
                using var http = backend.Client(key);
                using var request = Request(method, endpoint.RoutePattern.RawText!);
                using var response = await http.SendAsync(request);
                var body = await response.Content.ReadAsStringAsync();
                if (ApiKeyScopeNames.Allows(granted, scope))
                {
                    Assert.True(response.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) && (int)response.StatusCode < 500,
                        $"{name} with a {kind} key: {(int)response.StatusCode} {body}");
                }
                else
                {
                    Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{name} with a {kind} key: expected 403, got {(int)response.StatusCode} {body}");
                    Assert.Contains("insufficient-scope", body, StringComparison.Ordinal);
                }
            }
        }
    }

    [Fact]
    public async Task An_expired_key_is_refused_from_its_expiry_on()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var backend = await TestBackend.StartAsync(b => b.Services.AddSingleton<TimeProvider>(time));
        var key = await backend.CreateKeyAsync("acme", "temp", "read", expires: time.GetUtcNow().AddHours(1));
        using var http = backend.Client(key);

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("v1/budgets", UriKind.Relative))).StatusCode);
        time.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("v1/budgets", UriKind.Relative))).StatusCode);
        time.Advance(TimeSpan.FromMinutes(1));
        using var expired = await http.GetAsync(new Uri("v1/budgets", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
        Assert.Contains("expired", await expired.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rotated_key_works_next_to_its_successor_for_the_overlap_then_only_the_new_one_does()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var backend = await TestBackend.StartAsync(b => b.Services.AddSingleton<TimeProvider>(time));
        var keys = backend.Services.GetRequiredService<ApiKeyStore>();
        var old = await backend.CreateKeyAsync("acme", "sdk", "ingest");
        var rotated = await keys.RotateAsync(old, TimeSpan.FromHours(1), scopes: null, expires: null, "test", "quarterly rotation", CancellationToken.None);
        Assert.Equal(["ingest"], rotated.Record.Scopes);
        Assert.Equal("sdk", rotated.Record.Name);

        async Task<HttpStatusCode> StatusAsync(string key)
        {
            using var http = backend.Client(key);
            using var response = await http.GetAsync(new Uri("v1/budgets/status", UriKind.Relative));
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(old));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(rotated.Key));
        time.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(old));
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(old));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(rotated.Key));

        // An expired key cannot be rotated again; the rotation is in the audit log, without the secret.
        await Assert.ThrowsAsync<KeyNotFoundException>(() => keys.RotateAsync(old, TimeSpan.Zero, null, null, "test", null, CancellationToken.None));
        var audit = await backend.Services.GetRequiredService<AuditLog>().AllAsync("acme", CancellationToken.None);
        var entry = Assert.Single(audit, e => e.Action == "key.rotated");
        Assert.Equal("quarterly rotation", entry.Reason);
        Assert.Equal(rotated.Record.Prefix, entry.After!.Value.GetProperty("rotated_to").GetString());
        Assert.DoesNotContain(audit, e => JsonSerializer.Serialize(e, AuditJsonContext.Default.AuditEntry).Contains(rotated.Key[13..], StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_key_stored_without_scopes_keeps_every_scope_until_rotated_and_its_rotation_must_name_them()
    {
        await using var backend = await TestBackend.StartAsync();
        var legacy = ApiKey.Create("legacy02", "abcdefghijkmnopqrstuvwxyz2345678");
        var record = new ApiKeyRecord(legacy.Prefix, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(legacy.Value))), "acme", null, DateTimeOffset.UtcNow, null);
        await backend.Store.PutAsync(ApiKeyStore.ObjectKey, JsonSerializer.SerializeToUtf8Bytes(new KeyFile([record]), KeysJsonContext.Default.KeyFile), CancellationToken.None);
        var keys = backend.Services.GetRequiredService<ApiKeyStore>();
        Assert.Equal(ApiKeyScopes.All, (await keys.AuthenticateAsync(legacy, CancellationToken.None))!.EffectiveScopes);

        var failure = await Assert.ThrowsAsync<ArgumentException>(() => keys.RotateAsync(legacy.Value, TimeSpan.Zero, null, null, "test", null, CancellationToken.None));
        Assert.Contains("before keys had scopes", failure.Message, StringComparison.Ordinal);
        var rotated = await keys.RotateAsync(legacy.Value, TimeSpan.Zero, ApiKeyScopes.Ingest, null, "test", null, CancellationToken.None);

        using var http = backend.Client(rotated.Key);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync(new Uri("v1/report", UriKind.Relative))).StatusCode);
        using var old = backend.Client(legacy.Value);
        Assert.Equal(HttpStatusCode.Unauthorized, (await old.GetAsync(new Uri("v1/budgets/status", UriKind.Relative))).StatusCode);
    }

    private static HttpRequestMessage Request(string method, string route)
    {
        var path = route.Replace("{id}", "cap", StringComparison.Ordinal) + (route == LensAIRoutes.Export ? "?from=2026-01-01&to=2026-01-02&format=csv" : "");
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Content = (method, route) switch
        {
            ("POST", LensAIRoutes.Events) => Batches.Content(Batches.Json([Batches.Event()])),
            ("PUT", _) => new StringContent(BudgetsJson, Encoding.UTF8, "application/json"),
            ("POST", _) => new StringContent("""{"reason":"scope test","percent":10}""", Encoding.UTF8, "application/json"),
            _ => null,
        };
        return request;
    }
}
