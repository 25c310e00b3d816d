// Tailwind CSS 4 runs as a PostCSS plugin; Next.js picks this file up for every CSS import.
export default {
  plugins: {
    "@tailwindcss/postcss": {},
  },
};
