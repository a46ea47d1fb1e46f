/**
 * Hands an exported file to the browser as a download: the host already wrote it to its
 * exports folder, and in a plain browser (the headless host) that path is on another machine.
 */
export function offerDownload(fileName: string, mimeType: string, content: string): void {
  const url = URL.createObjectURL(new Blob([content], { type: mimeType }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // The click starts the download synchronously; the URL only has to outlive this task.
  setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 0);
}
