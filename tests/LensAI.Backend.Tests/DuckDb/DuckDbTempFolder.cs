namespace LensAI.Backend.Tests.DuckDb;

/// <summary>A fresh folder under the system temp path, deleted (with everything in it) on dispose.</summary>
internal sealed class DuckDbTempFolder : IDisposable
{
    public DuckDbTempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "lensai-duckdb-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
