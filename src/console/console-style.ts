/**
 * The console's one stylesheet, served as `/admin/console.css` (no inline styles, so the pages'
 * content security policy allows none). Text colours keep at least 4.5:1 contrast on their
 * backgrounds; focus is always visible; tables scroll sideways at phone width.
 */
export const consoleCss = `
*{box-sizing:border-box}
html{font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111;background:#fff}
body{margin:0}
a{color:#0b57d0}
a:focus,button:focus,input:focus,select:focus,textarea:focus{outline:3px solid #b3261e;outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:#111;color:#fff;padding:.5rem}
.skip:focus{left:.5rem}
header{background:#1f2937;color:#fff;padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center}
header a{color:#fff;font-weight:600}
header a[aria-current=page]{text-decoration:underline 3px}
header nav ul{display:flex;flex-wrap:wrap;gap:.25rem 1rem;list-style:none;margin:0;padding:0}
header .who{margin-left:auto;display:flex;gap:.75rem;align-items:center}
header button{background:transparent;color:#fff;border:1px solid #fff}
main{padding:1rem;max-width:72rem;margin:0 auto}
h1{font-size:1.5rem;margin:.5rem 0 1rem}
h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
form.filters{display:grid;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));gap:.75rem;align-items:end;margin-bottom:1rem}
label{display:block;font-weight:600;font-size:.9rem;margin-bottom:.2rem}
input,select,textarea{font:inherit;padding:.45rem .5rem;border:1px solid #555;border-radius:4px;width:100%;background:#fff;color:#111}
button,.button{font:inherit;font-weight:600;min-height:2.75rem;padding:.45rem 1rem;border-radius:4px;border:1px solid #0b57d0;background:#0b57d0;color:#fff;cursor:pointer;text-decoration:none;display:inline-flex;align-items:center}
button.secondary{background:#fff;color:#0b57d0}
.danger,.button.danger{background:#b3261e;border-color:#b3261e;color:#fff}
.icon{vertical-align:-1px}
.inline{display:inline}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;margin:.75rem 0}
.actions form{display:flex;gap:.5rem;align-items:end;flex-wrap:wrap}
.table-wrap{overflow-x:auto;border:1px solid #ccc;border-radius:4px}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid #ddd;vertical-align:top}
th{background:#f3f4f6}
.badge{display:inline-block;font-size:.8rem;font-weight:700;padding:.05rem .45rem;border-radius:999px;border:1px solid #444;white-space:nowrap}
.badge.private{background:#fde68a;border-color:#7c5800;color:#3b2a00}
.badge.shared{background:#d1fae5;border-color:#065f46;color:#064e3b}
.muted{color:#4b5563}
.notice{background:#e8f0fe;border:1px solid #0b57d0;padding:.6rem .8rem;border-radius:4px}
.error{background:#fde8e7;border:1px solid #b3261e;padding:.6rem .8rem;border-radius:4px}
mark{background:#fde68a;color:#111}
ol.transcript{list-style:none;padding:0;margin:0}
ol.transcript li{border:1px solid #ddd;border-radius:4px;padding:.5rem .7rem;margin:.5rem 0}
ol.transcript li.user{border-left:5px solid #0b57d0}
ol.transcript li.assistant{border-left:5px solid #065f46}
ol.transcript li.tool_call,ol.transcript li.tool_result{border-left:5px solid #7c5800;background:#fafaf5}
ol.transcript li.summary{border-left:5px solid #6b21a8;background:#f7f2fc}
.entry-head{font-size:.85rem;color:#4b5563;margin-bottom:.25rem}
pre{white-space:pre-wrap;word-break:break-word;margin:0;font:inherit}
pre.code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85rem}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:0}
dl.meta dt{font-weight:600}
dl.meta dd{margin:0;word-break:break-all}
.signin{max-width:24rem;margin:3rem auto}
.signin form{display:grid;gap:.75rem}
@media (max-width:40rem){main{padding:.75rem}header .who{margin-left:0}dl.meta{grid-template-columns:1fr}}
`;
