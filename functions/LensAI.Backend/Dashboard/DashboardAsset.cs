using System.Collections.Frozen;
using System.IO.Compression;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace LensAI.Backend.Dashboard;

/// <summary>One static file of the dashboard, ready to serve (and its gzip form when that is smaller).</summary>
internal sealed record DashboardAsset(string Path, byte[] Content, byte[]? Gzip, string ContentType, string Version)
{
    public string ETag { get; } = "\"" + Version + "\"";
}
