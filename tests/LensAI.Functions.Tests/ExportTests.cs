using System.Net;
using LensAI.Backend.DuckDb;
using LensAI.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LensAI.Functions.Tests;

public sealed class ExportTests
{
    [Theory]
    [InlineData("parquet")]
    [InlineData("csv")]
    public async Task Export_streams_the_callers_own_deduplicated_events_for_the_range(string format)
    {
        await using var backend = await TestBackend.StartAsync();
        var acme = await backend.CreateKeyAsync("acme");
        var globex = await backend.CreateKeyAsync("globex");
        var now = DateTimeOffset.UtcNow;
        var inRange = Enumerable.Range(0, 30).Select(i => Batches.Event(ts: now.AddMinutes(-30 + i))).ToList();
        var earlier = Batches.Event(ts: now.AddDays(-3));
        using var http = backend.Client(acme);
        await Batches.PostAsync(http, Batches.Content(Batches.Json(inRange.Append(earlier))));
        await Batches.PostAsync(http, Batches.Content(Batches.Json(inRange))); // a re-send
        using (var other = backend.Client(globex))
        {
            await Batches.PostAsync(other, Batches.Content(Batches.Json([Batches.Event()])));
        }

        var from = now.AddHours(-2).ToString("O");
        var to = now.AddMinutes(5).ToString("O");
        var response = await http.GetAsync($"v1/export?from={Uri.EscapeDataString(from)}&to={Uri.EscapeDataString(to)}&format={format}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition!.DispositionType);
        Assert.EndsWith("." + format, response.Content.Headers.ContentDisposition.FileNameStar ?? response.Content.Headers.ContentDisposition.FileName!.Trim('"'), StringComparison.Ordinal);
        Assert.StartsWith("lensai-acme-", response.Content.Headers.ContentDisposition.FileNameStar ?? response.Content.Headers.ContentDisposition.FileName!.Trim('"'), StringComparison.Ordinal);

        var file = Path.Combine(backend.DataDirectory, "export." + format);
        await File.WriteAllBytesAsync(file, await response.Content.ReadAsByteArrayAsync());
        using var connection = backend.Services.GetRequiredService<DuckDbConnectionFactory>().Open();
        var reader = format == "csv" ? "read_csv($file, header = true)" : "read_parquet($file)";
        Assert.Equal(30L, connection.ScalarInt64($"SELECT count(*) FROM {reader}", ("file", file)));
        Assert.Equal(30L, connection.ScalarInt64($"SELECT count(DISTINCT event_id) FROM {reader}", ("file", file)));
        Assert.Equal(0L, connection.ScalarInt64($"SELECT count(*) FROM {reader} WHERE project_id <> 'acme'", ("file", file)));
    }

    [Theory]
    [InlineData("from=yesterday&to=2026-11-21", "dates")]
    [InlineData("from=2026-11-21&to=2026-11-01", "after")]
    [InlineData("from=2024-01-01&to=2026-11-21", "at most 366 days")]
    [InlineData("from=2026-11-01&to=2026-11-21&format=xlsx", "parquet or csv")]
    public async Task Bad_export_requests_are_400(string query, string message)
    {
        await using var backend = await TestBackend.StartAsync();
        using var http = backend.Client(await backend.CreateKeyAsync("acme"));
        var response = await http.GetAsync("v1/export?" + query);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(message, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_range_exports_an_empty_file_with_the_schema()
    {
        await using var backend = await TestBackend.StartAsync();
        using var http = backend.Client(await backend.CreateKeyAsync("acme"));
        var response = await http.GetAsync("v1/export?from=2026-11-01&to=2026-11-02");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var file = Path.Combine(backend.DataDirectory, "empty.parquet");
        await File.WriteAllBytesAsync(file, await response.Content.ReadAsByteArrayAsync());
        using var connection = backend.Services.GetRequiredService<DuckDbConnectionFactory>().Open();
        Assert.Equal(0L, connection.ScalarInt64("SELECT count(*) FROM read_parquet($file)", ("file", file)));
        Assert.Equal((long)LensAI.Backend.Parquet.EventSchema.Columns.Length, connection.ScalarInt64("SELECT count(*) FROM (DESCRIBE SELECT * FROM read_parquet($file))", ("file", file)));
    }
}
