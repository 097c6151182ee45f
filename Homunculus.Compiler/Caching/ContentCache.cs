using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;

namespace Homunculus.Compiler.Caching;

/// <summary>
/// Compiled outputs by content key (normalized spec + data bytes + compiler identity). An entry is a
/// folder that appears atomically (written under a temporary name, then renamed), so an interrupted
/// compilation never leaves a half-written entry and concurrent builds never see one.
/// </summary>
public sealed class ContentCache
{
    /// <summary>Entries kept; the least recently used beyond this are removed.</summary>
    public const int Capacity = 16;

    private readonly string _root;

    public ContentCache(string root) => _root = Path.GetFullPath(root);

    public static string Key(IEnumerable<string> parts)
    {
        var builder = new StringBuilder();
        foreach (var part in parts) builder.Append(part.Length).Append(':').Append(part).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(builder.ToString())));
    }

    public static string Hash(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>The files of the entry, by relative path; null on a miss.</summary>
    public IReadOnlyDictionary<string, byte[]>? TryGet(string key)
    {
        string folder = Path.Combine(_root, key);
        if (!Directory.Exists(folder)) return null;
        try
        {
            var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
            foreach (var path in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
            {
                string relative = Path.GetRelativePath(folder, path).Replace('\\', '/');
                files[relative] = File.ReadAllBytes(path);
            }
            Directory.SetLastWriteTimeUtc(folder, DateTime.UtcNow);
            return files;
        }
        catch (IOException)
        {
            return null;   // removed by a concurrent prune: recompute
        }
    }

    public void Put(string key, IReadOnlyDictionary<string, byte[]> files)
    {
        Directory.CreateDirectory(_root);
        string folder = Path.Combine(_root, key);
        string temporary = Path.Combine(_root, $".{key}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            foreach (var (relative, content) in files)
            {
                string path = Path.Combine(temporary, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllBytes(path, content);
            }
            if (!Directory.Exists(folder)) Directory.Move(temporary, folder);
        }
        catch (IOException) when (Directory.Exists(folder))
        {
            // Another build stored the same entry first; its content is the same.
        }
        finally
        {
            if (Directory.Exists(temporary)) Directory.Delete(temporary, recursive: true);
        }
        Prune();
    }

    private void Prune()
    {
        try
        {
            var root = new DirectoryInfo(_root);
            foreach (var stale in root.GetDirectories().Where(d => d.Name.EndsWith(".tmp", StringComparison.Ordinal) && d.LastWriteTimeUtc < DateTime.UtcNow.AddHours(-1)))
                stale.Delete(recursive: true);
            foreach (var old in root.GetDirectories().Where(d => !d.Name.StartsWith('.')).OrderByDescending(d => d.LastWriteTimeUtc).ThenBy(d => d.Name, StringComparer.Ordinal).Skip(Capacity))
                old.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Pruning is best effort; a concurrent build may be doing the same.
        }
    }
}
