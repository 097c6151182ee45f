using System;
using System.Text;

namespace Homunculus.Model.Text
{
    /// <summary>
    /// The one writer every emitter (C#, P4, Spatial, reports) writes through: it owns indentation and
    /// line ends ("\n"), so generated files are uniform and byte-identical across machines.
    /// </summary>
    public sealed class CodeWriter
    {
        private readonly StringBuilder _text = new StringBuilder();
        private readonly string _indentUnit;
        private int _depth;

        public CodeWriter(string indentUnit = "    ") => _indentUnit = indentUnit;

        public int Depth => _depth;

        public CodeWriter Line(string text = "")
        {
            if (text.IndexOf('\n') >= 0 || text.IndexOf('\r') >= 0)
                throw new ArgumentException("a line must not contain line breaks; write each line separately", nameof(text));
            if (text.Length > 0)
            {
                for (int i = 0; i < _depth; i++) _text.Append(_indentUnit);
                _text.Append(text);
            }
            _text.Append('\n');
            return this;
        }

        /// <summary>Writes several lines at the current indentation.</summary>
        public CodeWriter Lines(params string[] lines)
        {
            foreach (var line in lines) Line(line);
            return this;
        }

        public CodeWriter Indent()
        {
            _depth++;
            return this;
        }

        public CodeWriter Outdent()
        {
            if (_depth == 0) throw new InvalidOperationException("outdent below zero");
            _depth--;
            return this;
        }

        /// <summary>Writes <paramref name="opening"/>, indents until disposed, then writes <paramref name="closing"/>.</summary>
        public Scope Block(string opening, string closing = "}")
        {
            Line(opening);
            _depth++;
            return new Scope(this, closing);
        }

        public override string ToString() => _text.ToString();

        public readonly struct Scope : IDisposable
        {
            private readonly CodeWriter _writer;
            private readonly string _closing;

            internal Scope(CodeWriter writer, string closing)
            {
                _writer = writer;
                _closing = closing;
            }

            public void Dispose()
            {
                _writer._depth--;
                _writer.Line(_closing);
            }
        }
    }
}
